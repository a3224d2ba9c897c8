#!/usr/bin/env bash
# Benchmark of `oci2vm rootfs` (pull, flatten, slim, write) on the fixture images multiLayer,
# glibcApp and debianNginx, pulled from a real registry (Debian's docker-registry on a free
# 127.0.0.1 port, temporary storage, images pushed with skopeo). For each fixture it prints:
#
#   - the image's compressed size (the sum of its layer blobs, from the --report JSON);
#   - files and bytes before and after slimming (the report's summary) and the factor;
#   - the median wall time of RUNS runs COLD (an empty --cache-dir each run), WARM (the same
#     cache dir again) and --no-slim WARM;
#   - the median peak memory (max RSS, from /usr/bin/time -v) of those runs: cold / warm / no-slim;
#   - one warm run without -q, for its "pull X s, flatten Y s, slim Z s, write W s" breakdown
#     (and one cold and one --no-slim warm, for comparison); these are not part of the medians.
#
# Cold means oci2vm's blob and layer cache is empty; the registry's files are still in the page
# cache, so the network is loopback and the disk is warm. The machine is small and noisy, hence
# the medians.
#
# Run from anywhere:   bench/rootfs.sh            (RUNS=5 bench/rootfs.sh for more runs)
# Needs docker-registry, skopeo, jq, GNU time (installed with apt when missing), Java 17, Maven;
# debianNginx needs root the first time it is built (debootstrap). Everything listens on loopback
# only, every command runs under `timeout`, and the registry and temporary files go on exit.
#
# The jar is built once and run from a copy (bench/lib.sh, build_jar), so an edit to the sources
# during the benchmark cannot trigger a rebuild in the middle of a measurement.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
runs="${RUNS:-3}"
fixtures=(multiLayer glibcApp debianNginx)
run_timeout="${RUN_TIMEOUT:-900}" # seconds, per oci2vm run

source bench/lib.sh

# --- tools -----------------------------------------------------------------------------------
need=()
[[ -x /usr/bin/time ]] || need+=(time)
command -v jq >/dev/null || need+=(jq)
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v skopeo >/dev/null || need+=(skopeo)
install_missing "${need[@]}"

# --- temporary files, the jar, the fixtures and the registry (gone on exit) -------------------
make_tmp oci2vm-bench
build_jar
fixture_refs "${fixtures[@]}"
start_registry

# --- measuring -------------------------------------------------------------------------------
breakdown() { grep -o "pull .*" "$1" | sed 's/\.$//'; }

load_before="$(loadavg)"
rows=()
notes=()
for i in "${!fixtures[@]}"; do
  name="${fixtures[$i]}"
  push_fixture "$name" "${refs[$i]}"

  out="$tmp/$name.tar"
  report="$tmp/$name.json"
  for r in $(seq "$runs"); do
    log "$name: cold run $r/$runs"
    rm -rf "$tmp/cache-$name" "$out"
    measure "$name.cold" rootfs "$image" -o "$out" --report "$report" --cache-dir "$tmp/cache-$name" -q
  done
  for r in $(seq "$runs"); do
    log "$name: warm run $r/$runs"
    rm -f "$out"
    measure "$name.warm" rootfs "$image" -o "$out" --report "$report" --cache-dir "$tmp/cache-$name" -q
  done
  cp "$report" "$tmp/$name.slim.json"
  for r in $(seq "$runs"); do
    log "$name: --no-slim warm run $r/$runs"
    rm -f "$out"
    measure "$name.noslim" rootfs "$image" -o "$out" --report "$tmp/$name.noslim.json" \
      --cache-dir "$tmp/cache-$name" --no-slim -q
  done

  log "$name: cold, warm and --no-slim warm once without -q, for the breakdown (not measured)"
  rm -rf "$tmp/cache-$name.once"
  for mode in cold warm noslim; do
    rm -f "$out"
    flags=()
    [[ $mode == noslim ]] && flags=(--no-slim)
    timeout "$run_timeout" "${oci2vm_cmd[@]}" rootfs "$image" \
      -o "$out" --cache-dir "$tmp/cache-$name.once" "${flags[@]}" >"$tmp/$name.$mode.txt" 2>&1
  done
  rm -rf "$tmp/cache-$name.once" "$tmp/cache-$name" "$out"

  s="$tmp/$name.slim.json"
  compressed=$(jq '[.image.layers[].size] | add' "$s")
  read -r fb bb fa ba < <(jq -r '.summary | "\(.filesBefore) \(.bytesBefore) \(.filesAfter) \(.bytesAfter)"' "$s")
  factor=$(awk -v b="$bb" -v a="$ba" 'BEGIN { printf(a ? "%.1fx" : "-", b / a) }')
  rows+=("| $name | $(human "$compressed") | $fb / $(human "$bb") | $fa / $(human "$ba") | $factor \
| $(median "$tmp/$name.cold" 1) | $(median "$tmp/$name.warm" 1) | $(median "$tmp/$name.noslim" 1) \
| $(mib "$(median "$tmp/$name.cold" 2)") / $(mib "$(median "$tmp/$name.warm" 2)") / $(mib "$(median "$tmp/$name.noslim" 2)") |")
  notes+=("- $name: cold $(breakdown "$tmp/$name.cold.txt"); warm $(breakdown "$tmp/$name.warm.txt"); no-slim warm $(breakdown "$tmp/$name.noslim.txt")")
  for mode in cold warm noslim; do
    notes+=("  - $mode runs (s, RSS KiB): $(tr '\n' ';' <"$tmp/$name.$mode" | sed 's/;$//; s/;/; /g')")
  done
done

echo "oci2vm rootfs from a local docker-registry, median of $runs runs; $(machine_summary)" \
  "load average $load_before before, $(loadavg) after."
echo
echo "| fixture | compressed | before (files/bytes) | after (files/bytes) | factor | cold s | warm s | no-slim warm s | peak RSS MiB (cold/warm/no-slim) |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "Where the time goes (one run each without -q, from the rootfs summary line):"
echo
printf '%s\n' "${notes[@]}"
