#!/bin/sh
# Installs, with apt-get, the Debian 12 packages litellm-cpp needs that are not installed yet.
# Usage: cmake/install-debian-deps.sh [extra packages...]
# Does nothing when everything is present; uses sudo when not run as root.
set -eu

packages="g++ cmake ninja-build pkg-config ca-certificates libcurl4-openssl-dev \
nlohmann-json3-dev libfmt-dev catch2 libcpp-httplib-dev libhiredis-dev redis-server $*"

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-debian-deps: not a Debian system; make sure these are installed: $packages" >&2
  exit 0
fi

missing=""
for package in $packages; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $package"
  fi
done
[ -z "$missing" ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "install-debian-deps: missing packages:$missing; run as root or install sudo" >&2
    exit 1
  fi
fi
echo "install-debian-deps: installing$missing"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
