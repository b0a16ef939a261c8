#!/usr/bin/env bash
# Installs what dsc needs to build and test, with apt-get, and nothing else.
# Safe to run repeatedly: it only installs the packages that are missing.
set -euo pipefail

PACKAGES=(
  cmake ninja-build g++ ccache python3 python3-numpy
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools clang-22 libclang-rt-22-dev
  libabsl-dev libgtest-dev libgmock-dev
  libflatbuffers-dev flatbuffers-compiler nlohmann-json3-dev
  zlib1g-dev libzstd-dev libedit-dev libcurl4-openssl-dev libxml2-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1
  fi
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
unavailable=()
for p in "${missing[@]}"; do
  apt-cache show "$p" >/dev/null 2>&1 || unavailable+=("$p")
done
if [ ${#unavailable[@]} -ne 0 ]; then
  echo "setup: not in this machine's apt sources: ${unavailable[*]}" >&2
  echo "setup: LLVM/MLIR 22 come from Debian 12's bookworm-security; on Ubuntu 24.04 add" \
       "apt.llvm.org's noble llvm-toolchain-22 source first" >&2
  exit 1
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
