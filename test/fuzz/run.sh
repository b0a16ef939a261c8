#!/usr/bin/env bash
# Usage: test/fuzz/run.sh [SECONDS]   (default 30)
# Builds dsg-fuzz (clang, libFuzzer, ASan + UBSan) into build-fuzz/ and fuzzes the .dsg
# frontend for SECONDS, seeded from examples/ and the frontend tests. The corpus it grows is
# kept in build-fuzz/fuzz-corpus for the next run; a crash leaves its input in build-fuzz/
# (reproduce with build-fuzz/bin/dsg-fuzz FILE) and makes this script fail.
set -euo pipefail
seconds=${1:-30}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${DSC_FUZZ_BUILD_DIR:-$root/build-fuzz}
llvm=/usr/lib/llvm-22/bin
jobs=$(nproc 2>/dev/null || echo 2)
flags="-g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fsanitize=fuzzer-no-link"

# libFuzzer and the sanitizer runtimes come with Debian's libclang-rt-22-dev (scripts/setup.sh).
if ! echo 'int main(){}' | "$llvm/clang++" -x c++ -fsanitize=fuzzer-no-link,address - \
    -o /dev/null 2>/dev/null; then
  echo "run.sh: clang 22 cannot link sanitizer runtimes; install libclang-rt-22-dev" >&2
  exit 1
fi

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER="$llvm/clang" -DCMAKE_CXX_COMPILER="$llvm/clang++" \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" -DDSC_ENABLE_FUZZER=ON >/dev/null
ninja -C "$build" -j"$jobs" dsg-fuzz

corpus=$build/fuzz-corpus
mkdir -p "$corpus"
cd "$build"
# -timeout: a single input taking seconds is a hang; -rss_limit_mb: runaway expansion.
"$build/bin/dsg-fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=16384 -print_final_stats=1 -dict="$root/test/fuzz/dsg.dict" \
  "$corpus" "$root/examples" "$root/test/frontend"
