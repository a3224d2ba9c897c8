#!/bin/sh
# Builds oci2vm-init, the static PID 1 of oci2vm VMs.
#   build.sh OUTPUT          (CC defaults to musl-gcc, from Debian's musl-tools)
# Only musl is needed: the few kernel ABI structures used are declared in the sources.
set -eu
out=${1:?usage: build.sh OUTPUT}
cc=${CC:-musl-gcc}
src=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$(dirname "$out")"
# -ffile-prefix-map and no build id: the same sources give the same bytes.
$cc -std=gnu11 -static -Os -s -Wall -Wextra -Wno-unused-result \
  -ffunction-sections -fdata-sections -Wl,--gc-sections -Wl,--build-id=none \
  -fno-asynchronous-unwind-tables -ffile-prefix-map="$src"=. \
  -o "$out.tmp" "$src"/*.c
mv "$out.tmp" "$out"
