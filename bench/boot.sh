#!/usr/bin/env bash
# Benchmark of `oci2vm convert` (image -> direct-boot bundle) and `oci2vm boot` (the bundle in
# QEMU under TCG) on the fixture images multiLayer, glibcApp and debianNginx, pulled from a real
# registry (Debian's docker-registry on a free 127.0.0.1 port, temporary storage, images pushed
# with skopeo). For each fixture it prints:
#
#   - the image's uncompressed size: the sum of its uncompressed layer tars, as the cold run left
#     them in the cache dir (layers/sha256/*); the notes add the compressed size and the flattened
#     file bytes before/after slimming (oci2vm.json's image.compressedSize and slimming);
#   - the bundle's vmlinuz and initrd.img sizes (oci2vm.json's outputs);
#   - the median wall time of RUNS convert runs COLD (an empty --cache-dir each run) and WARM (the
#     same cache dir again), and the median peak memory (max RSS, /usr/bin/time -v) cold / warm;
#   - the median of RUNS boots (OCI2VM_ACCEL=tcg, so always TCG, never the KVM try first):
#     boot-to-app, the seconds from QEMU's start to the init's "oci2vm: starting" line. For the
#     fixtures whose app exits this is what `OCI2VM_BOOT_STATS=1 oci2vm boot` prints at the end,
#     and the last column is the wall time of the whole `boot` command (JVM start to power off).
#     nginx (debianNginx) never exits: it is booted in the background with -p PORT:80, curl polls
#     http://127.0.0.1:PORT/ (every 50 ms, bounded), the last column is the time from launch to
#     the first HTTP 200, and then the boot is stopped (SIGTERM; the bundle's QEMU is checked gone).
#     Its boot-to-app is measured by this script: QEMU's start time from /proc/PID/stat and the
#     console line's arrival, both on the boottime clock (/proc/uptime), 10 ms resolution; the
#     notes show the same measurement next to BOOT_STATS for the other fixtures, as a check;
#   - notes: the medians of the per-stage timings each convert run writes into oci2vm.json
#     (pull, flatten, slim, assemble), one convert run without -q (its output, as a user sees
#     it), the JVM's own start-up (`--version`), and for boots the launch-to-QEMU time (JVM start,
#     reading the bundle) next to QEMU-to-app.
#
# Cold means oci2vm's blob and layer cache is empty; the registry's files are still in the page
# cache, so the network is loopback and the disk is warm. The machine is small and noisy (TCG
# boots use a whole core), hence the medians; the load average is printed before and after.
#
# Run from anywhere:   bench/boot.sh            (RUNS=5 bench/boot.sh for more runs)
# Needs docker-registry, skopeo, jq, GNU time, curl, qemu-system-x86 and a host kernel
# (/boot/vmlinuz-*; convert takes the installed distro kernel) (installed with apt when missing),
# Java 17, Maven; debianNginx needs root the first time it is built (debootstrap). Everything
# listens on loopback only, every command runs under `timeout`, every wait is bounded, and the
# registry, VMs and temporary files go on exit.
#
# The jar is built once and run from a copy (bench/lib.sh, build_jar), so an edit to the sources
# during the benchmark cannot trigger a rebuild in the middle of a measurement.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
runs="${RUNS:-3}"
fixtures=(multiLayer glibcApp debianNginx)
servers=(debianNginx)               # apps that never exit: timed to the first HTTP 200 on port 80
run_timeout="${RUN_TIMEOUT:-900}"   # seconds, per convert run
boot_timeout="${BOOT_TIMEOUT:-120}" # seconds, per boot (oci2vm boot --timeout, and the HTTP poll)

source bench/lib.sh

# --- tools -----------------------------------------------------------------------------------
need=()
[[ -x /usr/bin/time ]] || need+=(time)
command -v jq >/dev/null || need+=(jq)
command -v curl >/dev/null || need+=(curl)
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v skopeo >/dev/null || need+=(skopeo)
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
compgen -G '/boot/vmlinuz-*' >/dev/null || need+=(linux-image-cloud-amd64)
install_missing "${need[@]}"

# --- temporary files, the jar, the fixtures, the registry and VMs (gone on exit) -------------
boot_pid=""
stop_boots() {
  if [[ -n "$boot_pid" ]] && kill -0 "$boot_pid" 2>/dev/null; then
    kill "$boot_pid" 2>/dev/null || true
  fi
  # anything still running from our bundles (java ... boot $tmp/..., qemu -kernel $tmp/...)
  pkill -f "$tmp/" 2>/dev/null || true
}
make_tmp oci2vm-bench-boot
cleanup_hooks+=(stop_boots)
build_jar
fixture_refs "${fixtures[@]}"
start_registry

# --- measuring -------------------------------------------------------------------------------
# stages BUNDLE: "pull flatten slim assemble" seconds from the bundle's oci2vm.json.
stages() { jq -r '.timingsSeconds | "\(.pull) \(.flatten) \(.slim) \(.assemble)"' "$1/oci2vm.json"; }

clk_tck="$(getconf CLK_TCK)"

# boot NAME BUNDLE [PORT]: boots the bundle once under TCG. Without PORT waits for the VM to
# power off; with PORT forwards 127.0.0.1:PORT to the guest's port 80, waits for the first HTTP
# 200 there, then stops the VM. Appends "BOOT_STATS OWN_QEMU_TO_APP LAUNCH_TO_QEMU LAST_COLUMN"
# to $tmp/NAME.
boot() {
  local name="$1" bundle="$2" port="${3:-}" t0 t_end qemu_pid="" qemu_start="-" app="-" stats="-"
  local fwd=() code deadline rc
  [[ -n "$port" ]] && fwd=(-p "$port:80")
  rm -f "$tmp/boot.out" "$tmp/boot.err" "$tmp/boot.rc"
  t0="$(uptime_now)"
  (
    rc=0
    OCI2VM_ACCEL=tcg OCI2VM_BOOT_STATS=1 timeout "$((boot_timeout + 30))" \
      "${oci2vm_cmd[@]}" boot "$bundle" --timeout "$boot_timeout" "${fwd[@]}" \
      </dev/null 2>"$tmp/boot.err" || rc=$?
    echo "$rc" >"$tmp/boot.rc"
  ) | stamp >"$tmp/boot.out" &
  boot_pid=$!
  deadline=$(awk -v t="$t0" -v b="$boot_timeout" 'BEGIN { print t + b + 30 }')
  # QEMU's pid, while it runs (its command line has -kernel $bundle/vmlinuz)
  while [[ -z "$qemu_pid" ]] && kill -0 "$boot_pid" 2>/dev/null; do
    qemu_pid="$(pgrep -f -- "-kernel $bundle/vmlinuz" | head -n 1 || true)"
    [[ -n "$qemu_pid" ]] && break
    awk -v n="$(uptime_now)" -v d="$deadline" 'BEGIN { exit !(n > d) }' && break
    sleep 0.02
  done
  if [[ -n "$qemu_pid" ]]; then
    qemu_start="$(awk -v hz="$clk_tck" '{ printf "%.2f", $22 / hz }' "/proc/$qemu_pid/stat" 2>/dev/null || echo -)"
  fi
  if [[ -n "$port" ]]; then
    code=""
    while kill -0 "$boot_pid" 2>/dev/null; do
      code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$port/" 2>/dev/null || true)"
      [[ $code == 200 ]] && break
      awk -v n="$(uptime_now)" -v d="$deadline" 'BEGIN { exit !(n > d) }' && break
      sleep 0.05
    done
    t_end="$(uptime_now)"
    if [[ $code != 200 ]]; then
      log "no HTTP 200 from $name on port $port (last answer: ${code:-none}); its console and stderr:"
      cat "$tmp/boot.out" "$tmp/boot.err" >&2 2>/dev/null || true
      exit 1
    fi
    # stop it: SIGTERM to `timeout` and java (their command lines end in "boot $bundle ..."; $!
    # is the console reader's pid); timeout passes it on, java's shutdown hook stops QEMU
    pkill -TERM -f -- "boot $bundle " 2>/dev/null || true
    for _ in $(seq 100); do
      pgrep -f -- "$bundle/" >/dev/null || break
      sleep 0.1
    done
    if pgrep -f -- "$bundle/" >/dev/null; then
      log "$name: the boot did not stop within 10 s of SIGTERM; killing it"
      pkill -KILL -f -- "$bundle/" || true
    fi
    wait "$boot_pid" 2>/dev/null || true
  else
    wait "$boot_pid" || true
    t_end="$(uptime_now)"
    rc="$(cat "$tmp/boot.rc" 2>/dev/null || echo none)"
    if [[ $rc != 0 ]]; then
      log "$name: oci2vm boot exited with status $rc; its console and stderr:"
      cat "$tmp/boot.out" "$tmp/boot.err" >&2 2>/dev/null || true
      exit 1
    fi
    stats="$(grep -o 'app started [0-9.]* s after QEMU' "$tmp/boot.err" | awk '{ print $3 }' || true)"
    [[ -n "$stats" ]] || stats="-"
    grep -q 'oci2vm: TCG' "$tmp/boot.err" || log "$name: no 'oci2vm: TCG' line: $(cat "$tmp/boot.err")"
  fi
  boot_pid=""
  app="$(awk '/ oci2vm: starting / { print $1; exit }' "$tmp/boot.out")"
  [[ -n "$app" ]] || app="-"
  cp "$tmp/boot.out" "$tmp/$name.console"
  echo "$stats $(sub "$app" "$qemu_start") $(sub "$qemu_start" "$t0") $(sub "$t_end" "$t0")" >>"$tmp/$name"
}

# stage_line FILE: the medians of the per-stage timings collected by stages.
stage_line() {
  local f="$1"
  echo "pull $(median "$f" 1) s, flatten $(median "$f" 2) s, slim $(median "$f" 3) s, assemble $(median "$f" 4) s"
}

free_port() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 40000))
    ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return 0; }
  done
  log "no free port"
  exit 1
}

load_before="$(loadavg)"
for r in $(seq "$runs"); do
  s0="$(uptime_now)"
  "${oci2vm_cmd[@]}" --version >/dev/null
  echo "$(sub "$(uptime_now)" "$s0")" >>"$tmp/jvm"
done

rows=()
notes=()
for i in "${!fixtures[@]}"; do
  name="${fixtures[$i]}"
  push_fixture "$name" "${refs[$i]}"

  bundle="$tmp/$name.bundle"
  cache="$tmp/cache-$name"
  uncompressed=""
  for r in $(seq "$runs"); do
    log "$name: cold convert $r/$runs"
    rm -rf "$cache" "$bundle"
    measure "$name.cold" convert "$image" -o "$bundle" --cache-dir "$cache" -q
    stages "$bundle" >>"$tmp/$name.cold.stages"
    if [[ -z "$uncompressed" ]]; then
      uncompressed="$(find "$cache/layers" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')"
    fi
  done
  for r in $(seq "$runs"); do
    log "$name: warm convert $r/$runs"
    measure "$name.warm" convert "$image" -o "$bundle" --cache-dir "$cache" -q
    stages "$bundle" >>"$tmp/$name.warm.stages"
  done

  log "$name: one cold convert without -q (not measured)"
  rm -rf "$tmp/cache-$name.once" "$tmp/$name.once"
  timeout "$run_timeout" "${oci2vm_cmd[@]}" convert "$image" \
    -o "$tmp/$name.once" --cache-dir "$tmp/cache-$name.once" >"$tmp/$name.verbose.txt" 2>&1
  rm -rf "$tmp/cache-$name.once" "$tmp/$name.once" "$cache"

  server=0
  [[ " ${servers[*]} " == *" $name "* ]] && server=1
  for r in $(seq "$runs"); do
    if ((server)); then
      port="$(free_port)"
      log "$name: boot $r/$runs (TCG, -p $port:80, until the first HTTP 200)"
      boot "$name.boot" "$bundle" "$port"
    else
      log "$name: boot $r/$runs (TCG, until the app exits)"
      boot "$name.boot" "$bundle"
    fi
  done

  j="$bundle/oci2vm.json"
  compressed=$(jq '.image.compressedSize' "$j")
  read -r bb ba fb fa < <(jq -r '.slimming | "\(.bytesBefore) \(.bytesAfter) \(.filesBefore) \(.filesAfter)"' "$j")
  vmlinuz=$(jq '.outputs."vmlinuz".size' "$j")
  initrd=$(jq '.outputs."initrd.img".size' "$j")
  b="$tmp/$name.boot"
  if ((server)); then
    app_col="$(median "$b" 2)"
    last_col="$(median "$b" 4) (first HTTP 200)"
  else
    app_col="$(median "$b" 1)"
    last_col="$(median "$b" 4)"
  fi
  rows+=("| $name | $(human "$uncompressed") | $(human "$vmlinuz") | $(human "$initrd") \
| $(median "$tmp/$name.cold" 1) | $(median "$tmp/$name.warm" 1) \
| $(mib "$(median "$tmp/$name.cold" 2)") / $(mib "$(median "$tmp/$name.warm" 2)") | $app_col | $last_col |")
  notes+=("- **$name**: compressed $(human "$compressed"), uncompressed layers $(human "$uncompressed"); files $fb / $(human "$bb") before slimming, $fa / $(human "$ba") after")
  notes+=("  - convert stages (oci2vm.json timingsSeconds, medians): cold $(stage_line "$tmp/$name.cold.stages"); warm $(stage_line "$tmp/$name.warm.stages")")
  notes+=("  - convert runs (s, RSS KiB): cold $(tr '\n' ';' <"$tmp/$name.cold" | sed 's/;$//; s/;/; /g'); warm $(tr '\n' ';' <"$tmp/$name.warm" | sed 's/;$//; s/;/; /g')")
  notes+=("  - boots (BOOT_STATS QEMU-to-app / this script's QEMU-to-app / launch-to-QEMU / $( ((server)) && echo 'launch-to-HTTP-200' || echo 'total') s): $(tr '\n' ';' <"$b" | sed 's/;$//; s/;/; /g')")
  if ((!server)); then
    notes+=("  - the guest kernel's last console line (its uptime at power-off): $(grep -o '\[ *[0-9.]*\] .*' "$tmp/$name.boot.console" | tail -n 1 | sed 's/ *$//' || true)")
  fi
  notes+=("  - \`convert\` without -q, once, cold:")
  notes+=("$(sed 's/^/        /' "$tmp/$name.verbose.txt")")
done

echo "oci2vm convert + boot (TCG) from a local docker-registry, median of $runs runs; $(machine_summary)" \
  "load average $load_before before, $(loadavg) after."
echo
echo "| fixture | image uncompressed | vmlinuz | initrd | convert cold s | convert warm s | converter peak RSS MiB (cold/warm) | boot-to-app s (TCG) | boot total s (or time to first HTTP 200) |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "JVM start-up alone (\`oci2vm --version\`): median $(median "$tmp/jvm" 1) s."
echo
printf '%s\n' "${notes[@]}"
