#!/usr/bin/env bash
# Installs the Debian packages Ebb builds and tests with, and only those that
# are missing: on a machine that has them all this does nothing, quickly.
set -euo pipefail

pkgs=(
  build-essential pkg-config clang libclang-rt-14-dev python3 jq curl
  clang-format cppcheck valgrind
  libcjson-dev libyaml-dev libcmocka-dev
  libcurl4-openssl-dev libssl-dev libwebsockets-dev
)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
$sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
