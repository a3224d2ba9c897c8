#!/usr/bin/env bash
# Benchmark of the VM's kernel: the Debian cloud kernel (the newest /boot/vmlinuz-*-cloud-amd64,
# its modules in the initramfs) against oci2vm's own microVM kernel (`oci2vm kernel build`, every
# driver built in, no modules), booting the same converted image (the glibcApp fixture, an app
# that prints and exits) side by side in one run. It converts the image twice:
#
#   oci2vm convert oci:LAYOUT:latest -o DEBIAN_BUNDLE --kernel /boot/vmlinuz-RELEASE
#   oci2vm convert oci:LAYOUT:latest -o OCI2VM_BUNDLE --kernel BZIMAGE_OF_oci2vm_kernel_build
#
# and boots each bundle RUNS times with the same QEMU command, the one the bundles'
# run-qemu.sh uses under TCG (with 256M, 1 vCPU and no port forwards):
#
#   qemu-system-x86_64 -nodefaults -no-user-config -display none -serial stdio -no-reboot
#     -accel tcg -cpu max -m 256M -smp 1 -kernel B/vmlinuz -initrd B/initrd.img
#     -append "$(cat B/cmdline)" -netdev user,id=net0
#     -device virtio-net-pci,netdev=net0,romfile= -device virtio-rng-pci
#
# and the oci2vm kernel once more with -M microvm (virtio over MMIO: -device
# virtio-net-device,netdev=net0 -device virtio-rng-device instead of the PCI devices). On microvm
# the kernel gets one more argument, tsc_early_khz=<the host's TSC rate, from dmesg>: under TCG
# microvm has no HPET or PM timer, so when the kernel's TSC calibration against the PIT fails (it
# does now and then on a busy host) the boot hangs with nothing on the console; the rate given
# skips the calibration (TCG's TSC is the host's; see the header of the kernel's oci2vm.config).
# MICROVM_TSC_KHZ=none leaves it out, to count those hangs; MICROVM_TSC_KHZ=N sets the rate.
# Nothing else: QEMU's microvm announces the virtio-mmio devices itself, and powers off through
# its ACPI. The three are interleaved run by run (and the order rotates each run) so the
# machine's load falls on all alike.
#
# For each it prints the bzImage and initramfs sizes, boot-to-app (seconds from QEMU's start to
# the init's "oci2vm: starting" console line: QEMU's console is read through a pipe and each line
# stamped on arrival with the boottime clock, /proc/uptime, 10 ms resolution), the total time to
# QEMU's exit (the app ran and the VM powered off), and the hangs: runs that did not end within
# BOOT_TIMEOUT and were stopped (microvm without tsc_early_khz hangs now and then). Hangs are
# counted and reported, not fatal; a boot that fails otherwise (QEMU's non-zero exit, no app)
# stops the benchmark with its console.
#
# Run from anywhere:   bench/kernels.sh            (RUNS=9 bench/kernels.sh for more runs)
# Environment: RUNS (default 5) boots per kernel and machine, BOOT_TIMEOUT (default 120) seconds
# per boot, KERNEL_BUILD_TIMEOUT (default 3600) seconds for the kernel build, MICROVM_TSC_KHZ
# (default: the host's TSC rate from dmesg; none: no tsc_early_khz on microvm).
# Needs qemu-system-x86, linux-image-cloud-amd64, jq, and for the kernel build make, gcc, flex,
# bison, bc, libelf-dev and linux-source-6.1 (see `oci2vm kernel build --help`); Java 17 and
# Maven. When oci2vm's kernel is not built yet, this builds it first (several minutes) into the
# oci2vm cache, where convert then finds it by default: the same as running
# `oci2vm kernel build`. No network but QEMU's user networking inside each VM (nothing
# listens on the host); every command runs under `timeout`, and the VMs and temporary files go on
# exit.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
runs="${RUNS:-5}"
boot_timeout="${BOOT_TIMEOUT:-120}"                   # seconds, per boot
run_timeout="${RUN_TIMEOUT:-900}"                     # seconds, per convert
kernel_build_timeout="${KERNEL_BUILD_TIMEOUT:-3600}" # seconds, for `oci2vm kernel build`
fixture=glibcApp

source bench/lib.sh

# --- tools -----------------------------------------------------------------------------------
need=()
command -v jq >/dev/null || need+=(jq)
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
compgen -G '/boot/vmlinuz-*-cloud-amd64' >/dev/null || need+=(linux-image-cloud-amd64)
install_missing "${need[@]}"
debian_kernel="$(ls /boot/vmlinuz-*-cloud-amd64 | sort -V | tail -n 1)"

# --- temporary files, the jar, the fixture and the VMs (gone on exit) -------------------------
stop_vm() { # the `timeout` around a running QEMU; it passes the SIGTERM on to QEMU
  local pid
  pid="$(cat "$tmp/vm.pid" 2>/dev/null || true)"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
  fi
  [[ -z "${vm_reader:-}" ]] || wait "$vm_reader" 2>/dev/null || true
}
make_tmp oci2vm-bench-kernels
cleanup_hooks+=(stop_vm)
build_jar
fixture_refs "$fixture"
ref="${refs[0]}"

# --- the kernels and the bundles (not measured) -----------------------------------------------
if grep -q '^built ' <<<"$("${oci2vm_cmd[@]}" kernel ls)"; then
  log "oci2vm kernel build (a cached kernel exists; it is reused unless the recipe changed)"
else
  log "oci2vm's kernel is not built yet: building it now with \`oci2vm kernel build\`" \
    "(several minutes; bounded by ${kernel_build_timeout} s)"
fi
t_build="$(uptime_now)"
if ! timeout "$kernel_build_timeout" "${oci2vm_cmd[@]}" kernel build >"$tmp/kernel-build.txt"; then
  log "oci2vm kernel build failed: $(cat "$tmp/kernel-build.txt")"
  exit 1
fi
ours="$(grep -o '/[^ ]*/bzImage' "$tmp/kernel-build.txt" | head -n 1 || true)"
[[ -f "$ours" ]] || { log "no bzImage path in: $(cat "$tmp/kernel-build.txt")"; exit 1; }
log "$(cat "$tmp/kernel-build.txt") ($(sub "$(uptime_now)" "$t_build") s)"

declare -A bundle=([debian]="$tmp/debian" [oci2vm]="$tmp/oci2vm")
declare -A kernel_file=([debian]="$debian_kernel" [oci2vm]="$ours")
for k in debian oci2vm; do
  log "oci2vm convert $ref -o ${bundle[$k]} --kernel ${kernel_file[$k]}"
  if ! timeout "$run_timeout" "${oci2vm_cmd[@]}" convert "$ref" -o "${bundle[$k]}" \
    --kernel "${kernel_file[$k]}" >"$tmp/convert-$k.txt" 2>&1; then
    cat "$tmp/convert-$k.txt" >&2
    exit 1
  fi
done

# --- booting -----------------------------------------------------------------------------------
qemu_base=(-nodefaults -no-user-config -display none -serial stdio -no-reboot -accel tcg -cpu max -m 256M -smp 1)
pc_devs=(-netdev user,id=net0 -device virtio-net-pci,netdev=net0,romfile= -device virtio-rng-pci)
microvm_devs=(-M microvm -netdev user,id=net0 -device virtio-net-device,netdev=net0 -device virtio-rng-device)
configs=(debian-pc oci2vm-pc oci2vm-microvm)
host_tsc_khz() {
  { dmesg 2>/dev/null || true; } | grep -oE 'tsc: (Refined TSC clocksource calibration:|Detected) [0-9.]+ MHz' |
    tail -n 1 | awk '{ printf "%d\n", $(NF - 1) * 1000 }' || true
}
tsc_khz="${MICROVM_TSC_KHZ:-$(host_tsc_khz)}"
microvm_args=""
if [[ -n "$tsc_khz" && "$tsc_khz" != none ]]; then
  microvm_args=" tsc_early_khz=$tsc_khz"
elif [[ -z "$tsc_khz" ]]; then
  log "the host's TSC rate is not in dmesg: microvm boots without tsc_early_khz (they may hang)"
fi

# boot CONFIG RUN: boots CONFIG's bundle once, its console stamped into $tmp/CONFIG.RUN.log
# between the lines "@@ start" and "@@ exit RC"; appends "BOOT_TO_APP TOTAL RC" to $tmp/CONFIG
# ("-" for a time it did not reach).
vm_reader=""
boot() {
  local config="$1" run="$2" b devs append console app total rc
  b="${bundle[${config%%-*}]}"
  append="$(cat "$b/cmdline")"
  devs=("${pc_devs[@]}")
  if [[ $config == *-microvm ]]; then
    devs=("${microvm_devs[@]}")
    append+="$microvm_args"
  fi
  console="$tmp/$config.$run.log"
  (
    echo "@@ start"
    timeout -k 5 "$boot_timeout" qemu-system-x86_64 "${qemu_base[@]}" -kernel "$b/vmlinuz" \
      -initrd "$b/initrd.img" -append "$append" "${devs[@]}" </dev/null 2>&1 &
    echo "$!" >"$tmp/vm.pid"
    rc=0
    wait "$!" || rc=$?
    printf '\n@@ exit %s\n' "$rc"
  ) | stamp >"$console" &
  vm_reader=$!
  wait "$vm_reader" || true
  vm_reader=""
  rm -f "$tmp/vm.pid"
  read -r app total rc < <(awk '
    $2 == "@@" && $3 == "start" { t0 = $1 }
    / oci2vm: starting / && app == "" { app = $1 - t0 }
    $2 == "@@" && $3 == "exit" { total = $1 - t0; rc = $4 }
    END { printf "%s %s %s\n", (app == "" ? "-" : sprintf("%.2f", app)), (total == "" ? "-" : sprintf("%.2f", total)), (rc == "" ? "none" : rc) }' "$console")
  if [[ $rc == 124 || $rc == 137 ]]; then
    log "$config: run $run hung (no exit within $boot_timeout s; boot-to-app $app s); last console line: $(last_line "$console")"
    total="-"
  elif [[ $rc != 0 || $app == - ]] || ! grep -q 'oci2vm: exit status 0' "$console"; then
    log "$config: run $run failed (QEMU exit $rc); its console:"
    cat "$console" >&2
    exit 1
  fi
  echo "$app $total $rc" >>"$tmp/$config"
}
# last_line CONSOLE: the guest's last non-empty console line, without the stamp (not QEMU's own)
last_line() {
  tr -d '\r' <"$1" | awk '$2 != "@@" && $2 !~ /^qemu-system/ && NF > 1 { l = $0 }
    END { if (l == "") print "none (nothing on the console)"; else { sub(/^[^ ]* /, "", l); print substr(l, 1, 160) } }'
}
hangs() { awk '$3 == 124 || $3 == 137 { n++ } END { print n + 0 }' "$1"; }
two() { awk -v v="$1" 'BEGIN { if (v == "-") print v; else printf "%.2f\n", v }'; }
range() { # FILE COLUMN: "median (min–max)"
  awk -v c="$2" '$c != "-" { print $c }' "$1" | sort -g | awk -v m="$(two "$(median "$1" "$2")")" '
    { v[NR] = $1 } END { if (!NR) print "-"; else printf "%s (%s–%s)\n", m, v[1], v[NR] }'
}

load_before="$(loadavg)"
for run in $(seq "$runs"); do
  for j in "${!configs[@]}"; do
    config="${configs[$(((j + run - 1) % ${#configs[@]}))]}"
    log "boot $run/$runs: $config"
    boot "$config" "$run"
  done
done

# --- the table ---------------------------------------------------------------------------------
echo "Kernels side by side: the $fixture fixture converted with each kernel, $runs TCG boots each," \
  "interleaved; $(machine_summary) load average $load_before before, $(loadavg) after."
echo
echo "| kernel | machine | bzImage size | initrd size | boot-to-app median (min–max) s | total median s | hangs |"
echo "|---|---|---|---|---|---|---|"
notes=()
for config in "${configs[@]}"; do
  k="${config%%-*}"
  j="${bundle[$k]}/oci2vm.json"
  release="$(jq -r '.kernel.release' "$j")"
  machine="${config#*-}"
  [[ $machine != microvm || -z "$microvm_args" ]] || machine+=" +tsc_early_khz"
  echo "| $k $release | $machine | $(human "$(stat -c %s "${bundle[$k]}/vmlinuz")")" \
    "| $(human "$(stat -c %s "${bundle[$k]}/initrd.img")") | $(range "$tmp/$config" 1)" \
    "| $(two "$(median "$tmp/$config" 2)") | $(hangs "$tmp/$config")/$runs |"
  notes+=("- $config (boot-to-app s, total s, QEMU exit status): $(tr '\n' ';' <"$tmp/$config" | sed 's/;$//; s/;/; /g')")
done
echo
for k in debian oci2vm; do
  j="${bundle[$k]}/oci2vm.json"
  echo "- $k: kernel ${kernel_file[$k]}, $(stat -c %s "${bundle[$k]}/vmlinuz") bytes;" \
    "initrd $(stat -c %s "${bundle[$k]}/initrd.img") bytes with" \
    "$(jq -r '.kernel.modules | "\(length) modules" + (if length > 0 then " (\(join(" ")))" else "" end)' "$j")"
done
printf '%s\n' "${notes[@]}"
echo "- QEMU: qemu-system-x86_64 ${qemu_base[*]} -kernel B/vmlinuz -initrd B/initrd.img" \
  "-append \"$(cat "${bundle[oci2vm]}/cmdline")\" then ${pc_devs[*]} (pc), ${microvm_devs[*]} (microvm${microvm_args:+; -append gets${microvm_args} too});" \
  "$(qemu-system-x86_64 --version | head -n 1)"
