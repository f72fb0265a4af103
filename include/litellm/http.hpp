/// @file
/// HTTP values shared by the transports, the provider adapters and the key pool.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace litellm {

/// True when `a` and `b` are equal ignoring ASCII case (HTTP header names).
inline bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

/// An ordered list of HTTP header fields; lookups ignore the name's case.
class Headers {
 public:
  /// One field as received or to be sent.
  using Field = std::pair<std::string, std::string>;

  Headers() = default;
  /// Builds from `{{"name", "value"}, ...}`.
  Headers(std::initializer_list<Field> fields) : fields_(fields) {}

  /// Appends a field (a repeated name keeps every value).
  void add(std::string name, std::string value) {
    fields_.emplace_back(std::move(name), std::move(value));
  }
  /// Replaces every field called `name` with one field.
  void set(std::string_view name, std::string value) {
    erase(name);
    fields_.emplace_back(std::string(name), std::move(value));
  }
  /// Removes every field called `name`.
  void erase(std::string_view name) {
    std::vector<Field> kept;
    kept.reserve(fields_.size());
    for (auto& field : fields_) {
      if (!iequals(field.first, name)) kept.push_back(std::move(field));
    }
    fields_.swap(kept);
  }
  /// The value of the first field called `name`, or nullptr.
  const std::string* find(std::string_view name) const noexcept {
    for (const auto& field : fields_) {
      if (iequals(field.first, name)) return &field.second;
    }
    return nullptr;
  }
  /// The value of the first field called `name`, or "".
  std::string value(std::string_view name) const {
    const std::string* found = find(name);
    return found ? *found : std::string();
  }
  /// True when a field called `name` is present.
  bool contains(std::string_view name) const noexcept { return find(name) != nullptr; }

  /// Every field, in order.
  const std::vector<Field>& fields() const noexcept { return fields_; }
  auto begin() const noexcept { return fields_.begin(); }
  auto end() const noexcept { return fields_.end(); }
  std::size_t size() const noexcept { return fields_.size(); }
  bool empty() const noexcept { return fields_.empty(); }
  void clear() noexcept { fields_.clear(); }

 private:
  std::vector<Field> fields_;
};

}  // namespace litellm
