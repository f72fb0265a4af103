// Two worker processes sharing three keys: each key is used at most once per wait across both,
// because their key state lives in one place (a shared-memory region of this host, or Redis).
//
//   shared_keys [URL]      URL: shm://NAME (default: a fresh region), redis://127.0.0.1:6379, ...
//
// Each worker takes six keys (KeyPool::get_key: the least recently used ready key, waiting when
// none is), prints when and which, and spends 100 ms on a pretend call. The rotation runs across
// the two processes: a key one worker just took is not taken by the other before its wait. With
// memory:// each process would keep its own timers and both would take key 0 at once. The same
// works for every LiteLLMBackend of the process: set LITELLM_KEY_STATE=URL, or
// BackendOptions::key_registry.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <litellm/litellm.hpp>

namespace {

int worker(int number, const std::string& url, std::chrono::steady_clock::time_point start) {
  // Each process opens the URL itself (after fork: nothing shared but the store).
  const auto registry = litellm::KeyRegistry::open(url);
  std::vector<litellm::ApiInfo> infos;
  for (int i = 0; i < 3; ++i) {
    infos.push_back(
        {"openai", std::nullopt, "sk-example-shared-key-000000" + std::to_string(i), std::nullopt});
  }
  litellm::KeyPoolOptions options;
  options.wait_per_key = std::chrono::milliseconds(300);
  litellm::KeyPool pool(infos, options, registry);
  for (int n = 0; n < 6; ++n) {
    const litellm::ApiInfo key = pool.get_key();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    std::printf("t=%4lldms worker %d (pid %d) key %s\n", static_cast<long long>(ms), number,
                static_cast<int>(::getpid()), litellm::make_unique_api_info_key(key).c_str());
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the call made with the key
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string name = "example-shared-keys-" + std::to_string(::getpid());
  const std::string url = argc > 1 ? argv[1] : "shm://" + name;
  std::printf("key state: %s; 3 keys, 300 ms between two uses of a key, 2 worker processes\n",
              url.c_str());
  try {
    litellm::KeyRegistry::open(url);  // a bad URL fails here, before any worker starts
  } catch (const litellm::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  std::fflush(stdout);  // before fork: the workers must not print it again
  const auto start = std::chrono::steady_clock::now();
  std::vector<pid_t> workers;
  for (int number = 1; number <= 2; ++number) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      int code = 1;
      try {
        code = worker(number, url, start);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "worker %d: %s\n", number, e.what());
      }
      std::fflush(stdout);
      ::_exit(code);
    }
    workers.push_back(pid);
  }
  int failed = 0;
  for (const pid_t pid : workers) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    failed += WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
  }
  if (argc <= 1) litellm::KeyRegistry::remove(url);  // the region this run made
  std::printf("12 uses of 3 keys: about 4 rounds of 300 ms, shared by both workers\n");
  return failed == 0 ? 0 : 1;
}
