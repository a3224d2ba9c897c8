#!/usr/bin/env bash
# Smoke test and benchmark of oci2vm's own microVM kernel against the Debian kernel.
#
# Boots real oci2vm bundles under QEMU (TCG: /dev/kvm may hang here) with the kernel built by
# converters/src/main/resources/io/oci2vm/kernel/build.sh, and checks:
#
#   pc        the demo bundle's initrd with our bzImage, the bundle's QEMU settings (pc machine,
#             virtio-net-pci, virtio-rng-pci): the app's report with eth0 10.0.2.15, "oci2vm:
#             exit status 0", QEMU exits by itself, no panic; the init only warns about the
#             Debian module files it cannot load (our kernel has no module support)
#   microvm   the same with -M microvm and virtio-*-device (MMIO): reaches the app, powers off
#             through microvm's ACPI, QEMU exits
#   microvm-noacpi  -M microvm,acpi=off with "acpi=off reboot=t" (no ACPI, like Firecracker): the
#             init falls back to a reboot, which -no-reboot turns into QEMU's exit
#   power     the Debian nginx fixture converted by oci2vm, booted with our kernel (pc and
#             microvm): nginx answers HTTP through a forwarded port, QMP system_powerdown
#             (the ACPI power button) makes the init send nginx SIGTERM, and the VM powers off
#
# Then boots the demo RUNS times with each kernel (and microvm with ours) and prints kernel
# size, initramfs size and boot-to-app time: wall time from QEMU's start to the init's
# "oci2vm: starting" line, and the kernel uptime the app reports, as medians.
#
# Run as root:  bench/kernel-smoke.sh [KERNEL_DIR]   (default /root/.cache/oci2vm/kernel-build,
#               holding bzImage from build.sh)
# Environment:  RUNS=3 timing boots per kernel, BOOT_TIMEOUT=180 s per VM, KEEP=1 keeps the work
#               dir with every console log, NGINX_LAYOUT=DIR (default: the debianNginx fixture
#               under ~/.cache/oci2vm/fixtures; the power tests are skipped without it).
# Needs qemu-system-x86, python3 (QMP), curl, and a built oci2vm (./oci2vm builds it).
set -euo pipefail
export LC_ALL=C
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

kdir="${1:-/root/.cache/oci2vm/kernel-build}"
ours="$kdir/bzImage"
runs="${RUNS:-3}"
boot_timeout="${BOOT_TIMEOUT:-180}"
log() { echo "kernel-smoke: $*" >&2; }
[[ -f "$ours" ]] || { log "no kernel at $ours (build it with converters/src/main/resources/io/oci2vm/kernel/build.sh)"; exit 2; }
for t in qemu-system-x86_64 python3 curl; do
  command -v "$t" >/dev/null || { log "$t not found"; exit 2; }
done

work="$(mktemp -d /tmp/kernel-smoke.XXXXXX)"
vm_pids=()
cleanup() {
  for p in "${vm_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [[ -n "${KEEP:-}" ]]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# --- bundles -----------------------------------------------------------------------------------
log "building oci2vm if needed"
./oci2vm --version >/dev/null
log "demo bundle (oci2vm demo; made for and booted once with the Debian kernel)"
./oci2vm demo -o "$work/demo" >"$work/demo.log" 2>&1 || { cat "$work/demo.log" >&2; exit 1; }
demo="$work/demo/bundle"
debian="$demo/vmlinuz"
cmdline="$(cat "$demo/cmdline")"

nginx_layout="${NGINX_LAYOUT:-$(ls -d ~/.cache/oci2vm/fixtures/debianNginx-*/layout 2>/dev/null | head -1)}"
if [[ -n "$nginx_layout" && -d "$nginx_layout" ]]; then
  log "nginx bundle from $nginx_layout"
  ./oci2vm convert "oci:$nginx_layout:latest" -o "$work/nginx" >"$work/nginx-convert.log" 2>&1 ||
    { cat "$work/nginx-convert.log" >&2; exit 1; }
else
  log "no nginx fixture layout: power-button tests skipped"
  nginx_layout=""
fi

# --- booting -----------------------------------------------------------------------------------
qemu_base=(-nodefaults -no-user-config -display none -serial stdio -no-reboot -accel tcg -cpu max -m 256M)
pc_devs() { # [HOSTFWD]
  echo "-netdev user,id=net0${1:+,$1} -device virtio-net-pci,netdev=net0,romfile= -device virtio-rng-pci"
}
microvm_devs() {
  echo "-M microvm -netdev user,id=net0${1:+,$1} -device virtio-net-device,netdev=net0 -device virtio-rng-device"
}
# Under TCG, microvm has no HPET or PM timer, so when the kernel's TSC calibration against the
# PIT fails (it does on a busy host: QEMU's thread gets preempted while the kernel measures) the
# boot hangs, with any kernel. Telling the kernel the TSC rate (TCG's TSC is the host's) skips the
# calibration. MICROVM_TSC_KHZ=none boots microvm without it.
host_tsc_khz() {
  dmesg 2>/dev/null | grep -oE 'tsc: (Refined TSC clocksource calibration:|Detected) [0-9.]+ MHz' |
    tail -1 | awk '{ printf "%d\n", $(NF - 1) * 1000 }'
}
tsc_khz="${MICROVM_TSC_KHZ:-$(host_tsc_khz)}"
microvm_append=""
if [[ -n "$tsc_khz" && "$tsc_khz" != none ]]; then
  microvm_append=" tsc_early_khz=$tsc_khz"
else
  log "host TSC rate unknown: microvm boots may hang in TSC calibration on a busy host"
fi

stamp() { # prefixes each line with ms since $1 (µs epoch)
  local t0=$1 line now
  while IFS= read -r line; do
    line=${line%$'\r'}
    now=${EPOCHREALTIME/./}
    printf '%6d %s\n' $(((now - t0) / 1000)) "$line"
  done
}
# start_vm NAME KERNEL INITRD APPEND [QEMU ARGS...]: boots in the background; log in $work/NAME.log
start_vm() {
  local name=$1 kernel=$2 initrd=$3 append=$4
  shift 4
  (
    t0=${EPOCHREALTIME/./}
    timeout "$boot_timeout" qemu-system-x86_64 "${qemu_base[@]}" \
      -kernel "$kernel" -initrd "$initrd" -append "$append" "$@" </dev/null 2>&1 |
      stamp "$t0" >"$work/$name.log"
    echo "${PIPESTATUS[0]}" >"$work/$name.rc"
  ) &
  vm_pid=$!
  vm_pids+=("$vm_pid")
}
boot() { start_vm "$@"; wait "$vm_pid" || true; }
wait_line() { # NAME TEXT SECONDS
  local deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do
    grep -qF -- "$2" "$work/$1.log" 2>/dev/null && return 0
    [[ -f "$work/$1.rc" ]] && return 1
    sleep 0.2
  done
  return 1
}
qmp() { # SOCKET COMMAND: runs one QMP command
  python3 - "$1" "$2" <<'EOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
f = s.makefile("rw")
def call(cmd):
    f.write(json.dumps({"execute": cmd}) + "\n")
    f.flush()
    while True:
        msg = json.loads(f.readline())
        if "return" in msg or "error" in msg:
            return msg
json.loads(f.readline())  # greeting
call("qmp_capabilities")
reply = call(sys.argv[2])
sys.exit(0 if "return" in reply else 1)
EOF
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# --- checks ------------------------------------------------------------------------------------
passed=0
failed=0
check() { # NAME WHAT COMMAND...
  local name=$1 what=$2
  shift 2
  if "$@"; then
    passed=$((passed + 1))
    echo "ok    $name: $what"
  else
    failed=$((failed + 1))
    echo "FAIL  $name: $what (log: $work/$name.log)"
  fi
}
has() { grep -qF -- "$2" "$work/$1.log"; }
lacks() { ! grep -qF -- "$2" "$work/$1.log"; }
rc_is() { [[ "$(cat "$work/$1.rc" 2>/dev/null)" == "$2" ]]; }
only_warns_about_modules() { # every module line is the init's warning, and nothing else failed
  local n
  n=$(grep -c 'cannot load module' "$work/$1.log" || true)
  ((n > 0)) && ! grep -E 'oci2vm: (error|fatal)' "$work/$1.log" >/dev/null
}
app_ran() { # NAME: the demo app's report, its exit status, QEMU gone by itself, no panic
  check "$1" "reaches the app ('oci2vm: starting')" has "$1" "oci2vm: starting"
  check "$1" "app sees eth0 10.0.2.15" grep -qE 'address: +eth0 10\.0\.2\.15' "$work/$1.log"
  check "$1" "prints 'oci2vm: exit status 0'" has "$1" "oci2vm: exit status 0"
  check "$1" "QEMU exits by itself (status 0)" rc_is "$1" 0
  check "$1" "no kernel panic" lacks "$1" "Kernel panic"
}
wall_ms() { awk '/oci2vm: starting/ { print $1; exit }' "$work/$1.log"; }
uptime_s() { awk '/uptime:/ { print $3; exit }' "$work/$1.log"; }
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print "?" }'; }

# --- pc: our kernel boots the demo bundle ---------------------------------------------------------
# shellcheck disable=SC2046
boot pc "$ours" "$demo/initrd.img" "$cmdline" $(pc_devs)
app_ran pc
check pc "the init only warns about the Debian module files" only_warns_about_modules pc
grep -m1 'cannot load module' "$work/pc.log" | sed 's/^ *[0-9]* /      e.g. /'

# --- microvm: MMIO transport, no PCI -----------------------------------------------------------
# shellcheck disable=SC2046
boot microvm "$ours" "$demo/initrd.img" "$cmdline$microvm_append" $(microvm_devs)
app_ran microvm
check microvm "ACPI power-off (not the reboot fallback)" has microvm "reboot: Power down"

# --- microvm without ACPI (as Firecracker): the init reboots, reboot=t makes QEMU exit at once --
# shellcheck disable=SC2046
boot microvm-noacpi "$ours" "$demo/initrd.img" "$cmdline$microvm_append acpi=off reboot=t" \
  $(microvm_devs | sed 's/-M microvm/-M microvm,acpi=off/')
app_ran microvm-noacpi
check microvm-noacpi "ends by reboot (no ACPI to power off)" has microvm-noacpi "reboot: Restarting system"

# --- power button: nginx gets SIGTERM, the VM powers off ----------------------------------------
power_test() { # NAME DEVS-FUNCTION [APPEND]
  local name=$1 devs=$2 append=${3:-} port sock code=""
  port=$(free_port)
  sock="$work/$name.qmp"
  # shellcheck disable=SC2046
  start_vm "$name" "$ours" "$work/nginx/initrd.img" "$(cat "$work/nginx/cmdline")$append" \
    $($devs "hostfwd=tcp:127.0.0.1:$port-:80") -qmp "unix:$sock,server=on,wait=off"
  if wait_line "$name" "oci2vm: starting" "$boot_timeout"; then
    for _ in $(seq 1 150); do
      code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$port/" || true)
      [[ "$code" == 200 ]] && break
      sleep 0.2
    done
  fi
  check "$name" "nginx answers HTTP 200 through the forwarded port (got ${code:-nothing})" \
    test "$code" = 200
  qmp "$sock" system_powerdown || true
  wait "$vm_pid" || true
  check "$name" "power button: the init sends the app SIGTERM" has "$name" "power button: sending SIGTERM"
  check "$name" "prints 'oci2vm: exit status'" has "$name" "oci2vm: exit status"
  check "$name" "QEMU exits by itself (status 0)" rc_is "$name" 0
  check "$name" "no kernel panic" lacks "$name" "Kernel panic"
}
if [[ -n "$nginx_layout" ]]; then
  power_test power-pc pc_devs
  power_test power-microvm microvm_devs "$microvm_append"
fi

# --- timings -----------------------------------------------------------------------------------
log "timing: $runs boots per kernel"
declare -A walls=() ups=()
for i in $(seq 1 "$runs"); do
  for k in ours debian ours-microvm; do
    case $k in
      ours) kern=$ours devs=$(pc_devs) ;;
      debian) kern=$debian devs=$(pc_devs) ;;
      ours-microvm) kern=$ours devs=$(microvm_devs) ;;
    esac
    append=$cmdline
    [[ $k == *microvm ]] && append+=$microvm_append
    # shellcheck disable=SC2086
    boot "t-$k-$i" "$kern" "$demo/initrd.img" "$append" $devs
    walls[$k]="${walls[$k]:-} $(wall_ms "t-$k-$i")"
    ups[$k]="${ups[$k]:-} $(uptime_s "t-$k-$i")"
  done
done
echo
echo "initramfs (the demo bundle's, made for the Debian kernel): $(stat -c %s "$demo/initrd.img") bytes"
printf '%-14s %-28s %12s %22s %22s\n' kernel release bytes "wall to 'starting'" "app's kernel uptime"
for k in ours debian ours-microvm; do
  case $k in
    ours | ours-microvm) kern=$ours rel=$(cat "$kdir/release" 2>/dev/null || echo '?') ;;
    debian) kern=$debian rel=$(grep -oE 'kernel: +Linux [^ ]+' "$work/t-debian-1.log" | awk '{ print $3 }') ;;
  esac
  # shellcheck disable=SC2086
  printf '%-14s %-28s %12s %19s ms %20s s\n' "$k" "$rel" "$(stat -c %s "$kern")" \
    "$(median ${walls[$k]})" "$(median ${ups[$k]})"
done
echo "(medians of $runs TCG boots each, -cpu max -m 256M; walls: ${walls[ours]# } | ${walls[debian]# } | ${walls[ours-microvm]# } ms)"
echo
echo "$passed passed, $failed failed"
((failed == 0))
