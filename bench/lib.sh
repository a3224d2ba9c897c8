# shellcheck shell=bash
# Shared helpers for the benchmarks in bench/ (rootfs.sh, boot.sh, kernels.sh). Sourced, not run:
#
#   here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"; cd "$here"; source bench/lib.sh
#
# What the scripts share:
#
#   log MSG...               "bench: MSG" on stderr
#   install_missing PKG...   apt-get install (with sudo unless root) when any package is named
#   make_tmp PREFIX          $tmp, a new temporary directory, and the EXIT/INT/TERM traps that
#                            clean up: each command in cleanup_hooks (the caller adds its own,
#                            e.g. stopping VMs), then the registry, then $tmp
#   build_jar                builds the jar once (./oci2vm --version) and copies it to
#                            $tmp/oci2vm.jar; sets oci2vm_cmd, the command that runs that copy
#                            (java $OCI2VM_JAVA_OPTS -jar, as the wrapper runs it). The wrapper
#                            would otherwise look for changed sources before every run and
#                            rebuild in the middle of a measurement if someone edits one.
#   fixture_refs NAME...     builds or finds the fixture layouts (mvn exec); sets refs, their
#                            oci:DIR:TAG references, in the same order
#   start_registry           Debian's docker-registry on a free 127.0.0.1 port, storage in $tmp;
#                            sets registry (HOST:PORT) and registry_pid
#   push_fixture NAME REF    copies the fixture's layout to the registry (skopeo); sets image
#   measure NAME ARGS...     runs oci2vm ARGS under GNU time (bounded by $run_timeout); appends
#                            "SECONDS RSS_KIB" to $tmp/NAME
#   median FILE COLUMN       the median of a column of numbers ("-" when there are none)
#   mib KIB, human BYTES     sizes for tables
#   sub A B                  A - B with two decimals ("-" when either is "-")
#   uptime_now, stamp        the boottime clock (/proc/uptime, 10 ms), and a filter prefixing
#                            each line with it
#   machine_summary, loadavg what the tables' headers say about the machine
#
# Everything listens on loopback only and every command runs under `timeout`.

log() { echo "bench: $*" >&2; }

install_missing() {
  (($#)) || return 0
  log "installing $* with apt"
  local sudo_cmd=()
  [[ $(id -u) == 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "$@" >&2
}

# --- temporary files and the registry, gone on exit ------------------------------------------
tmp=""
registry_pid=""
cleanup_hooks=()
make_tmp() {
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")"
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}
bench_cleanup() {
  local hook
  for hook in "${cleanup_hooks[@]}"; do
    $hook || true
  done
  if [[ -n "$registry_pid" ]] && kill -0 "$registry_pid" 2>/dev/null; then
    kill "$registry_pid" 2>/dev/null || true
    wait "$registry_pid" 2>/dev/null || true
  fi
  [[ -z "$tmp" ]] || rm -rf "$tmp"
}

# --- the jar and the fixtures ----------------------------------------------------------------
oci2vm_cmd=()
build_jar() {
  local script="bench/${0##*/}"
  log "building the jar (not measured)"
  if ! ./oci2vm --version >&2; then
    log "the checkout does not build; to measure the last commit instead, run this script from an"
    log "export of it: git archive HEAD | tar -x -C DIR && cp bench/lib.sh $script DIR/bench/ && DIR/$script"
    exit 1
  fi
  cp daemon/target/oci2vm.jar "$tmp/oci2vm.jar"
  # shellcheck disable=SC2206 # the options are words, as the wrapper splits them
  oci2vm_cmd=(java ${OCI2VM_JAVA_OPTS:-} -jar "$tmp/oci2vm.jar")
}

refs=()
fixture_refs() {
  log "building or finding the fixture layouts (not measured)"
  mapfile -t refs < <(timeout 1800 mvn -q -B -pl fixtures compile exec:java -Dspotless.check.skip=true \
    -Dexec.mainClass=io.oci2vm.fixtures.Fixtures -Dexec.args="$*" -Dstyle.color=never |
    grep -o "oci:.*")
  if ((${#refs[@]} != $#)); then
    log "expected $# fixture references, got: ${refs[*]:-none}"
    exit 1
  fi
}

# --- a real registry on a free loopback port -------------------------------------------------
registry=""
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
        log "registry on $registry"
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

image=""
push_fixture() {
  local name="$1" layout="${2#oci:}"
  layout="${layout%:*}"
  image="$registry/bench/${name,,}:latest"
  log "$name: pushing $layout to $image"
  timeout 300 skopeo --insecure-policy copy --quiet --dest-tls-verify=false --dest-no-creds \
    --preserve-digests "oci:$layout:latest" "docker://$image" >&2
}

# --- measuring -------------------------------------------------------------------------------
measure() {
  local name="$1"
  shift
  if ! timeout "$run_timeout" /usr/bin/time -v -o "$tmp/time.txt" \
    "${oci2vm_cmd[@]}" "$@" >"$tmp/run.log" 2>&1; then
    log "failed: oci2vm $*"
    cat "$tmp/run.log" "$tmp/time.txt" >&2 2>/dev/null || true
    exit 1
  fi
  awk -F': ' '
    /Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i] }
    /Maximum resident set size/ { rss = $2 }
    END { printf "%.2f %d\n", s, rss }' "$tmp/time.txt" >>"$tmp/$name"
}

median() {
  awk -v c="$2" '$c != "-" { print $c }' "$1" | sort -g | awk '{ v[NR] = $1 }
    END { if (!NR) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
human() {
  awk -v b="$1" 'BEGIN { split("B KiB MiB GiB", u); i = 1
    while (b >= 1024 && i < 4) { b /= 1024; i++ }
    printf(i == 1 ? "%d %s" : "%.1f %s", b, u[i]) }'
}
sub() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-") print "-"; else printf "%.2f", a - b }'; }
uptime_now() { local up _; read -r up _ </proc/uptime; echo "$up"; }
# stamp: prefixes each line with the boottime clock (the clock of /proc/PID/stat's start time).
stamp() { local up _ line; while IFS= read -r line || [[ -n $line ]]; do read -r up _ </proc/uptime; printf '%s %s\n' "$up" "$line"; done; }

machine_summary() {
  echo "$(nproc) cores, $(java -version 2>&1 | head -n 1);" \
    "commit $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo 'unknown (not a git checkout)');"
}
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
