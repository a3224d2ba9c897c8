#!/bin/sh
# Builds and runs oci2vm-init's C unit tests on the build host (all of the init but main.c,
# with conf_test.c). Prints "N passed, N failed"; exits non-zero on a failure.
#   run-tests.sh [WORKDIR]     (CC defaults to musl-gcc, like the init itself)
set -eu
test_dir=$(cd "$(dirname "$0")" && pwd)
main_dir=$(cd "$test_dir/../../main/c" && pwd)
work=${1:-$(mktemp -d)}
cc=${CC:-musl-gcc}
mkdir -p "$work"
srcs=$(ls "$main_dir"/*.c | grep -v '/main\.c$')
# shellcheck disable=SC2086
$cc -std=gnu11 -static -O1 -g -Wall -Wextra -Wno-unused-result -o "$work/conf_test" \
  $srcs "$test_dir/conf_test.c"
"$work/conf_test"
