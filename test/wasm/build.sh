#!/bin/sh
# Builds every layerfs test/example/bench wasm program with Debian's clang + wasi-libc.
# The built .wasm files are committed, so tests never need a compiler; rerun this after
# changing a C source. Deterministic: fixed flags, no timestamps, paths relative to the repo.
set -eu
cd "$(dirname "$0")/../.."
CC=${CC:-clang}
CFLAGS="--target=wasm32-wasi -O2 -Wall -Wno-unused-function -Wno-unused-result -ffile-prefix-map=$PWD=."
build() { # out src
  echo "  CC $2 -> $1"
  $CC $CFLAGS -Wl,--strip-all "$2" -o "$1"
}
for src in test/wasm/src/*.c; do
  [ -e "$src" ] || continue
  name=$(basename "$src" .c)
  build "test/wasm/$name.wasm" "$src"
done
build examples/aufs-demo/demo.wasm examples/aufs-demo/demo.c
build examples/serverless/handler.wasm examples/serverless/handler.c
build bench/wasm/bench.wasm bench/wasm/bench.c
