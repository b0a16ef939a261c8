#!/usr/bin/env bash
# Packs what a run on the GPU machine needs into .device/ (ignored by git; name it in the
# device tool's `carry`): the LLVM-free binaries from build/bin and the shared libraries they
# load that the GPU machine lacks (Abseil, zlib), found with ldd. There, run
# `export LD_LIBRARY_PATH=$PWD/.device/lib` first.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.device
rm -rf "$out/bin" "$out/lib" && mkdir -p "$out/bin" "$out/lib"
# In a git worktree .git is a file; the exclude list lives in the common git folder.
exclude="$(git rev-parse --git-common-dir)/info/exclude"
mkdir -p "$(dirname "$exclude")" && { grep -qx '/.device/' "$exclude" 2>/dev/null || echo '/.device/' >> "$exclude"; }
bins=(dsrun DscRuntimeTests DscSupportTests "$@")
for b in "${bins[@]}"; do
  cp "build/bin/$b" "$out/bin/"
  # glibc, libstdc++ and libgcc are on every host; everything else travels.
  ldd "build/bin/$b" | awk '/=> \//{print $3}' |
    grep -vE '/lib(c|m|dl|rt|pthread|gcc_s|stdc\+\+)\.so|/usr/local/cuda' | xargs -r -I{} cp -L {} "$out/lib/"
done
du -sh "$out"
