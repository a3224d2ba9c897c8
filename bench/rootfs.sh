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
# The jar is built once with `./oci2vm --version` and then copied aside and run as the wrapper
# runs it (java $OCI2VM_JAVA_OPTS -jar): the wrapper would otherwise look for changed sources
# before every run and rebuild in the middle of a measurement if someone edits one.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
runs="${RUNS:-3}"
fixtures=(multiLayer glibcApp debianNginx)
run_timeout="${RUN_TIMEOUT:-900}" # seconds, per oci2vm run

log() { echo "bench: $*" >&2; }

# --- tools -----------------------------------------------------------------------------------
need=()
[[ -x /usr/bin/time ]] || need+=(time)
command -v jq >/dev/null || need+=(jq)
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v skopeo >/dev/null || need+=(skopeo)
if ((${#need[@]})); then
  log "installing ${need[*]} with apt"
  sudo_cmd=()
  [[ $(id -u) == 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${need[@]}" >&2
fi

# --- temporary files and the registry, gone on exit ------------------------------------------
tmp="$(mktemp -d "${TMPDIR:-/tmp}/oci2vm-bench.XXXXXX")"
registry_pid=""
cleanup() {
  if [[ -n "$registry_pid" ]] && kill -0 "$registry_pid" 2>/dev/null; then
    kill "$registry_pid" 2>/dev/null || true
    wait "$registry_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the jar and the fixtures ----------------------------------------------------------------
log "building the jar (not measured)"
if ! ./oci2vm --version >&2; then
  log "the checkout does not build; to measure the last commit instead, run this script from an"
  log "export of it: git archive HEAD | tar -x -C DIR && cp bench/rootfs.sh DIR/bench/ && DIR/bench/rootfs.sh"
  exit 1
fi
cp daemon/target/oci2vm.jar "$tmp/oci2vm.jar"

log "building or finding the fixture layouts (not measured)"
mapfile -t refs < <(timeout 1800 mvn -q -B -pl fixtures compile exec:java -Dspotless.check.skip=true \
  -Dexec.mainClass=io.oci2vm.fixtures.Fixtures -Dexec.args="${fixtures[*]}" -Dstyle.color=never |
  grep -o "oci:.*")
if ((${#refs[@]} != ${#fixtures[@]})); then
  log "expected ${#fixtures[@]} fixture references, got: ${refs[*]:-none}"
  exit 1
fi

# --- a real registry on a free loopback port -------------------------------------------------
start_registry() {
  local attempt port
  for attempt in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 40000))
    ss -Htln "sport = :$port" | grep -q . && continue
    cat >"$tmp/registry.yml" <<EOF
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: "$tmp/registry"}}
http: {addr: "127.0.0.1:$port", secret: oci2vm-bench}
EOF
    env $(env | grep -o '^REGISTRY_[^=]*' | sed 's/^/-u /') \
      docker-registry serve "$tmp/registry.yml" >"$tmp/registry.log" 2>&1 &
    registry_pid=$!
    for _ in $(seq 100); do
      if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/v2/" 2>/dev/null; then
        registry="127.0.0.1:$port"
        return 0
      fi
      kill -0 "$registry_pid" 2>/dev/null || break
      sleep 0.2
    done
    kill "$registry_pid" 2>/dev/null || true
    wait "$registry_pid" 2>/dev/null || true
    registry_pid=""
    grep -q "address already in use" "$tmp/registry.log" || break
  done
  log "docker-registry did not start; its log:"
  cat "$tmp/registry.log" >&2
  exit 1
}
start_registry
log "registry on $registry"

# --- measuring -------------------------------------------------------------------------------
# measure NAME ARGS...: runs oci2vm ARGS under GNU time; appends "SECONDS RSS_KIB" to $tmp/NAME.
measure() {
  local name="$1"
  shift
  if ! timeout "$run_timeout" /usr/bin/time -v -o "$tmp/time.txt" \
    java ${OCI2VM_JAVA_OPTS:-} -jar "$tmp/oci2vm.jar" "$@" >"$tmp/run.log" 2>&1; then
    log "failed: oci2vm $*"
    cat "$tmp/run.log" "$tmp/time.txt" >&2 2>/dev/null || true
    exit 1
  fi
  awk -F': ' '
    /Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i] }
    /Maximum resident set size/ { rss = $2 }
    END { printf "%.2f %d\n", s, rss }' "$tmp/time.txt" >>"$tmp/$name"
}

# median FILE COLUMN: the median of a column of numbers.
median() {
  awk -v c="$2" '{ print $c }' "$1" | sort -g | awk '{ v[NR] = $1 }
    END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
human() {
  awk -v b="$1" 'BEGIN { split("B KiB MiB GiB", u); i = 1
    while (b >= 1024 && i < 4) { b /= 1024; i++ }
    printf(i == 1 ? "%d %s" : "%.1f %s", b, u[i]) }'
}
breakdown() { grep -o "pull .*" "$1" | sed 's/\.$//'; }

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
rows=()
notes=()
for i in "${!fixtures[@]}"; do
  name="${fixtures[$i]}"
  ref="${refs[$i]}"
  layout="${ref#oci:}"
  layout="${layout%:*}"
  image="$registry/bench/${name,,}:latest"
  log "$name: pushing $layout to $image"
  timeout 300 skopeo --insecure-policy copy --quiet --dest-tls-verify=false --dest-no-creds \
    --preserve-digests "oci:$layout:latest" "docker://$image" >&2

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
    timeout "$run_timeout" java ${OCI2VM_JAVA_OPTS:-} -jar "$tmp/oci2vm.jar" rootfs "$image" \
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

echo "oci2vm rootfs from a local docker-registry, median of $runs runs; $(nproc) cores," \
  "$(java -version 2>&1 | head -n 1); commit $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo 'unknown (not a git checkout)');" \
  "load average $load_before before, $(cut -d' ' -f1-3 /proc/loadavg) after."
echo
echo "| fixture | compressed | before (files/bytes) | after (files/bytes) | factor | cold s | warm s | no-slim warm s | peak RSS MiB (cold/warm/no-slim) |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "Where the time goes (one run each without -q, from the rootfs summary line):"
echo
printf '%s\n' "${notes[@]}"
