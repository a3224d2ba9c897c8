#!/usr/bin/env bash
# Manual smoke test of oci2vm-init, the microVM's PID 1 (converters/src/main/c).
#
# Builds the init (converters/src/main/c/build.sh, musl-gcc) and a static test app
# (converters/src/test/c/probe.c), packs them into small gzip'd newc initramfs images with
# /oci2vm/init.conf and the kernel modules they need (taken from the Debian cloud kernel's
# modules dir, in modules.dep order), boots each under QEMU (TCG: /dev/kvm may hang here) and
# checks what the app saw and how the VM ended:
#
#   config     argv (escapes), env, workdir, uid/gid/groups, rlimit, hostname, extra mount,
#              /etc/hosts; exit status 3 printed and QEMU gone, no panic
#   cmdline    oci2vm.entrypoint/cmd/env/user/workdir overrides; user resolved from /etc/passwd
#   notfound   missing program: "cannot run /nonexistent: No such file or directory", status 127
#   noexec     program without x bit: "Permission denied", status 126
#   nouser     oci2vm.user=ghost, not in /etc/passwd: status 125 (the app never starts)
#   reap       orphans reparented to PID 1 get reaped; a SIGTERM-immune leftover gets SIGKILL;
#              the app dies of SIGTERM: status 143
#   static     virtio-net, static 10.0.2.15/24 (QEMU user net): TCP to a listener on the host's
#              127.0.0.1 through slirp's 10.0.2.2, /etc/resolv.conf
#   dhcp       the same address from slirp's DHCP server (ip=dhcp)
#   power      ACPI power button (monitor "system_powerdown"): the app gets SIGTERM, VM ends
#   disk       root=/dev/vda (ext4, virtio-blk): switch root, /run content kept, /etc/resolv.conf
#              symlink into /run written through, clean file system afterwards
#   disk-ro    the same disk with rootflags=ro: /etc/hosts bind-mounted from /run
#
# Prints the boot-to-app time (kernel uptime when the app started, and wall time from QEMU's
# start to the "oci2vm: starting" line) and ends with "N passed, N failed".
#
# Run as root:  bench/init-smoke.sh            (KEEP=1 keeps the work dir with logs;
#                                              TIMING_RUNS=9 adds 9 boots for median timings)
# Needs musl-tools, qemu-system-x86, linux-image-cloud-amd64, cpio, e2fsprogs, python3
# (installed with apt when missing). Every boot runs under `timeout`; the host-side listener
# binds 127.0.0.1 only and stops by itself.
set -euo pipefail
export LC_ALL=C
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
boot_timeout="${BOOT_TIMEOUT:-120}" # seconds, per VM

log() { echo "smoke: $*" >&2; }

# --- tools -----------------------------------------------------------------------------------
need=()
command -v musl-gcc >/dev/null || need+=(musl-tools)
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v cpio >/dev/null || need+=(cpio)
command -v mkfs.ext4 >/dev/null || need+=(e2fsprogs)
command -v python3 >/dev/null || need+=(python3)
compgen -G '/boot/vmlinuz-*-cloud-amd64' >/dev/null || need+=(linux-image-cloud-amd64)
if ((${#need[@]})); then
  log "installing ${need[*]}"
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi

kernel="$(ls /boot/vmlinuz-*-cloud-amd64 | sort -V | tail -1)"
kver="${kernel#/boot/vmlinuz-}"
moddir="/lib/modules/$kver"
log "kernel $kernel"

work="$(mktemp -d /tmp/init-smoke.XXXXXX)"
bg_pids=()
cleanup() {
  for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [[ -n "${KEEP:-}" ]]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# --- build -----------------------------------------------------------------------------------
converters/src/main/c/build.sh "$work/oci2vm-init"
musl-gcc -static -Os -Wall -Wno-unused-result -o "$work/probe" converters/src/test/c/probe.c
log "oci2vm-init: $(stat -c %s "$work/oci2vm-init") bytes"

# --- kernel modules, dependencies first (modules.dep; Debian 12's are plain .ko) ---------------
declare -A visited=()
ordered=()
visit() { # PATH relative to $moddir
  local path=$1 dep
  [[ -n "${visited[$path]:-}" ]] && return
  visited[$path]=1
  for dep in $(awk -F': ' -v m="$path" '$1 == m { print $2 }' "$moddir/modules.dep"); do
    visit "$dep"
  done
  ordered+=("$path")
}
module_paths() { # NAMES... -> paths in load order
  visited=()
  ordered=()
  local name path
  for name in "$@"; do
    path="$(awk -F: -v n="$name" '{ f = $1; sub(/.*\//, "", f); sub(/\.ko(\.[a-z]+)?$/, "", f);
      gsub(/-/, "_", f); if (f == n) { print $1; exit } }' "$moddir/modules.dep")"
    [[ -n "$path" ]] || { log "no module $name in $moddir"; exit 1; }
    visit "$path"
  done
  printf '%s\n' "${ordered[@]}"
}
modules=(virtio_pci virtio_net virtio_blk virtio_console button)
mapfile -t module_files < <(module_paths "${modules[@]}")
log "modules: $(printf '%s ' "${module_files[@]##*/}")"

# --- images ----------------------------------------------------------------------------------
# stage DIR: the files every image has (init, modules, the probe, passwd and group)
stage() {
  local root=$1 m
  mkdir -p "$root"/{oci2vm/modules,bin,etc,dev,srv}
  cp "$work/oci2vm-init" "$root/oci2vm/init"
  for m in "${module_files[@]}"; do cp "$moddir/$m" "$root/oci2vm/modules/"; done
  cp "$work/probe" "$root/bin/probe"
  printf '#!/bin/probe\n' >"$root/bin/notexec"
  chmod 0644 "$root/bin/notexec"
  cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
app:x:1000:1000:App:/home/app:/bin/sh
EOF
  cat >"$root/etc/group" <<'EOF'
root:x:0:
wheel:x:10:app
staff:x:50:root,app
app:x:1000:
EOF
}
module_conf() {
  local m
  for m in "${module_files[@]}"; do echo "module=/oci2vm/modules/${m##*/}"; done
}
# initramfs NAME: packs $work/NAME.d (made by stage + the caller) into $work/NAME.cpio.gz
initramfs() {
  local dir="$work/$1.d"
  [[ -e "$dir/dev/console" ]] || mknod -m 600 "$dir/dev/console" c 5 1
  (cd "$dir" && find . | sort | cpio -o -H newc -R 0:0 --quiet | gzip -1) >"$work/$1.cpio.gz"
}

# --- booting ---------------------------------------------------------------------------------
# Each output line gets the milliseconds since QEMU was started.
stamp() {
  local t0=$1 line now
  while IFS= read -r line; do
    line=${line%$'\r'}
    now=${EPOCHREALTIME/./}
    printf '%6d %s\n' $(((now - t0) / 1000)) "$line"
  done
}
# start_vm NAME INITRD APPEND [QEMU ARGS...]: boots in the background; log in $work/NAME.log
start_vm() {
  local name=$1 initrd=$2 append=$3
  shift 3
  (
    set +e
    t0=${EPOCHREALTIME/./}
    local nic=(-nic none)
    [[ " $* " == *" -netdev "* ]] && nic=()
    timeout "$boot_timeout" qemu-system-x86_64 -m 256 -nographic -no-reboot "${nic[@]}" \
      -kernel "$kernel" -initrd "$initrd" \
      -append "console=ttyS0 quiet panic=-1 rdinit=/oci2vm/init $append" "$@" </dev/null 2>&1 |
      stamp "$t0" >"$work/$name.log"
    echo "${PIPESTATUS[0]}" >"$work/$name.rc"
  ) &
  vm_pid=$!
}
wait_vm() {
  wait "$vm_pid" || true
}
boot() {
  start_vm "$@"
  wait_vm
}
wait_line() { # NAME TEXT SECONDS
  local deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do
    grep -qF -- "$2" "$work/$1.log" 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}

# --- checks ----------------------------------------------------------------------------------
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
    echo "FAIL  $name: $what"
    failed_vms+=("$name")
  fi
}
failed_vms=()
has() { grep -qF -- "$2" "$work/$1.log"; }
lacks() { ! grep -qF -- "$2" "$work/$1.log"; }
rc_is() { [[ "$(cat "$work/$1.rc" 2>/dev/null)" == "$2" ]]; }
ended() { # NAME STATUS: the VM printed the status, powered off (QEMU exit 0), no panic
  check "$1" "prints 'oci2vm: exit status $2'" has "$1" "oci2vm: exit status $2"
  check "$1" "QEMU exits by itself (status 0)" rc_is "$1" 0
  check "$1" "no kernel panic" lacks "$1" "Kernel panic"
}
declare -A app_ms=() app_uptime=()
timing() { # NAME: remembers wall ms to the "starting" line and the app's own uptime
  app_ms[$1]="$(awk '/oci2vm: starting/ { print $1; exit }' "$work/$1.log")"
  app_uptime[$1]="$(awk '/probe: uptime=/ { sub(/.*uptime=/, ""); print; exit }' "$work/$1.log")"
}

# --- 1: config -------------------------------------------------------------------------------
d="$work/config.d"
stage "$d"
{
  echo '# written by init-smoke.sh'
  echo 'version=1'
  echo 'hostname=smoke'
  echo 'entrypoint=/bin/probe'
  echo 'entrypoint=two words'
  echo 'cmd=tab\there\nnewline\\back\x41'
  echo 'cmd=--cat'
  echo 'cmd=/etc/hosts'
  echo 'cmd=--cat'
  echo 'cmd=/proc/mounts'
  echo 'cmd=--exit'
  echo 'cmd=3'
  echo 'env=PATH=/usr/bin:/bin'
  echo 'env=GREETING=hello world'
  echo 'env=EQ=a=b'
  echo 'workdir=/srv/app'
  echo 'uid=1000'
  echo 'gid=1000'
  echo 'groups=10,50'
  echo 'rlimit=nofile 4096 8192'
  echo 'mount=tmpfs /data tmpfs size=1m,nosuid'
  echo 'net=none'
  echo 'future=1'
  module_conf
} >"$d/oci2vm/init.conf"
initramfs config
boot config "$work/config.cpio.gz" ""
timing config
check config "argv[0] is the entrypoint" has config "probe: argv[0]=/bin/probe"
check config "an argument with a blank stays one" has config "probe: argv[1]=two words"
check config "escapes decoded (tab, newline, backslash, \\x41)" has config 'probe: argv[2]=tab\there\nnewline\\backA'
check config "env from config" has config "probe: env GREETING=hello world"
check config "env value with '='" has config "probe: env EQ=a=b"
check config "PATH from config" has config "probe: env PATH=/usr/bin:/bin"
check config "HOME from passwd" has config "probe: env HOME=/home/app"
check config "HOSTNAME env" has config "probe: env HOSTNAME=smoke"
check config "no init env leaks (TERM)" lacks config "probe: env TERM="
check config "workdir created and used" has config "probe: cwd=/srv/app"
check config "uid/gid/groups" has config "probe: uid=1000 gid=1000 groups=10,50"
check config "rlimit nofile" has config "probe: nofile=4096/8192"
check config "hostname" has config "probe: hostname=smoke"
check config "extra tmpfs mount" has config "probe: /proc/mounts: tmpfs /data tmpfs rw,nosuid"
check config "/tmp is a tmpfs" has config "probe: /proc/mounts: tmpfs /tmp tmpfs"
check config "/dev/pts mounted" has config "probe: /proc/mounts: devpts /dev/pts devpts"
check config "/etc/hosts localhost" has config "probe: /etc/hosts: 127.0.0.1	localhost"
check config "/etc/hosts hostname (no network)" has config "probe: /etc/hosts: 127.0.1.1	smoke"
check config "unknown key warned" has config "unknown key 'future' ignored"
check config "start marker" has config "oci2vm: starting /bin/probe"
check config "lo is up" has config "probe: if lo 127.0.0.1"
ended config 3

# --- 2: cmdline overrides --------------------------------------------------------------------
boot cmdline "$work/config.cpio.gz" \
  'oci2vm.entrypoint=probe oci2vm.cmd="hello world" oci2vm.cmd=--exit oci2vm.cmd=0 oci2vm.env=GREETING=override oci2vm.env=NEW=1 oci2vm.user=app oci2vm.workdir=/tmp'
check cmdline "entrypoint override found in the app's PATH" has cmdline "oci2vm: starting /bin/probe"
check cmdline "cmd override, quotes removed" has cmdline "probe: argv[1]=hello world"
check cmdline "config cmd replaced" lacks cmdline "probe: argv[1]=two words"
check cmdline "env override" has cmdline "probe: env GREETING=override"
check cmdline "env added" has cmdline "probe: env NEW=1"
check cmdline "user by name, groups from /etc/group" has cmdline "probe: uid=1000 gid=1000 groups=10,50"
check cmdline "workdir override" has cmdline "probe: cwd=/tmp"
ended cmdline 0

boot cmdline2 "$work/config.cpio.gz" 'oci2vm.entrypoint=/bin/probe oci2vm.user=app:staff'
check cmdline2 "new entrypoint drops the config's cmd (docker run --entrypoint)" has cmdline2 " argc=1"
check cmdline2 "user:group" has cmdline2 "probe: uid=1000 gid=50 groups="
ended cmdline2 0

# --- 3: exec failures ------------------------------------------------------------------------
boot notfound "$work/config.cpio.gz" 'oci2vm.entrypoint=/nonexistent'
check notfound "message" has notfound "oci2vm: cannot run /nonexistent: No such file or directory"
check notfound "no start marker" lacks notfound "oci2vm: starting"
ended notfound 127
boot noexec "$work/config.cpio.gz" 'oci2vm.entrypoint=/bin/notexec'
check noexec "message" has noexec "oci2vm: cannot run /bin/notexec: Permission denied"
ended noexec 126
boot nouser "$work/config.cpio.gz" 'oci2vm.user=ghost'
check nouser "message" has nouser "oci2vm: unable to find user ghost: no matching entries in passwd file"
ended nouser 125

# --- 4: reaping, leftovers, death by signal --------------------------------------------------
boot reap "$work/config.cpio.gz" \
  'oci2vm.entrypoint=/bin/probe oci2vm.cmd=--orphans oci2vm.cmd=5 oci2vm.cmd=--stubborn oci2vm.cmd=--kill-self oci2vm.cmd=15'
check reap "orphans reaped by PID 1" has reap "probe: zombies=0"
check reap "stubborn child left" has reap "probe: left a stubborn child"
ended reap 143

# --- 5: network ------------------------------------------------------------------------------
listener_port_file="$work/listener.port"
python3 - "$listener_port_file" <<'EOF' &
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(4)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
s.settimeout(5)
deadline = time.time() + 600
while time.time() < deadline:
    try:
        c, _ = s.accept()
    except socket.timeout:
        continue
    c.settimeout(10)
    try:
        line = c.recv(256).decode(errors="replace").strip()
        c.sendall(("hello from host, got: " + line + "\n").encode())
    except OSError:
        pass
    c.close()
EOF
bg_pids+=($!)
for _ in $(seq 50); do [[ -s "$listener_port_file" ]] && break; sleep 0.1; done
port="$(cat "$listener_port_file")"
netdev=(-netdev user,id=n0 -device virtio-net-pci,netdev=n0)

d="$work/net.d"
stage "$d"
{
  echo 'version=1'
  echo 'hostname=netvm'
  echo 'entrypoint=/bin/probe'
  echo 'cmd=--connect'
  echo "cmd=10.0.2.2:$port"
  echo 'cmd=--cat'
  echo 'cmd=/etc/resolv.conf'
  echo 'cmd=--cat'
  echo 'cmd=/etc/hosts'
  echo 'net=static'
  echo 'address=10.0.2.15/24'
  echo 'gateway=10.0.2.2'
  echo 'dns=10.0.2.3'
  module_conf
} >"$d/oci2vm/init.conf"
initramfs net
boot static "$work/net.cpio.gz" "" "${netdev[@]}"
timing static
check static "eth0 has 10.0.2.15" has static "probe: if eth0 10.0.2.15"
check static "TCP to the host through slirp" has static "probe: reply=hello from host, got: hello from probe"
check static "/etc/resolv.conf" has static "probe: /etc/resolv.conf: nameserver 10.0.2.3"
check static "/etc/hosts has the address" has static "probe: /etc/hosts: 10.0.2.15	netvm"
ended static 0

boot dhcp "$work/net.cpio.gz" "ip=dhcp oci2vm.debug=1" "${netdev[@]}"
timing dhcp
check dhcp "lease logged" has dhcp "dhcp: lease of 10.0.2.15"
check dhcp "eth0 has 10.0.2.15" has dhcp "probe: if eth0 10.0.2.15"
check dhcp "TCP to the host through slirp" has dhcp "probe: reply=hello from host, got: hello from probe"
check dhcp "/etc/resolv.conf from the lease" has dhcp "probe: /etc/resolv.conf: nameserver 10.0.2.3"
ended dhcp 0

boot ipstatic "$work/net.cpio.gz" "ip=10.0.2.20::10.0.2.2:255.255.255.0:iphost:eth0:off:10.0.2.3" "${netdev[@]}"
check ipstatic "ip= address" has ipstatic "probe: if eth0 10.0.2.20"
check ipstatic "ip= hostname" has ipstatic "probe: hostname=iphost"
check ipstatic "TCP to the host" has ipstatic "probe: reply=hello from host"
ended ipstatic 0

# --- 6: ACPI power button --------------------------------------------------------------------
sock="$work/monitor.sock"
start_vm power "$work/config.cpio.gz" \
  'oci2vm.entrypoint=/bin/probe oci2vm.cmd=--wait-term oci2vm.cmd=--exit oci2vm.cmd=7' \
  -monitor "unix:$sock,server,nowait"
if wait_line power "probe: ready" 60; then
  timeout 10 python3 - "$sock" <<'EOF' || log "could not talk to the monitor"
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(2)
try:
    s.recv(4096)  # the banner
except socket.timeout:
    pass
s.sendall(b"system_powerdown\n")
time.sleep(0.5)
EOF
fi
wait_vm
check power "the app got SIGTERM" has power "probe: got SIGTERM"
check power "init said why" has power "oci2vm: power button: sending SIGTERM to the app"
ended power 7

# --- 7: root on an ext4 disk -----------------------------------------------------------------
d="$work/disk-root"
stage "$d"
rm -rf "$d/oci2vm"
mkdir -p "$d/run/lock" "$d/run/systemd" "$d/var"
echo "on the disk" >"$d/marker"
echo "kept" >"$d/run/lock/keep"
ln -s ../run/lock "$d/var/lock"
ln -s ../run/systemd/resolve/stub-resolv.conf "$d/etc/resolv.conf"
printf '127.0.0.1 stale\n' >"$d/etc/hosts"
mkfs.ext4 -q -F -L root -d "$d" "$work/disk.img" 32M >/dev/null
d="$work/diskinit.d"
stage "$d"
rm -rf "$d/bin" "$d/etc" "$d/srv"
{
  echo 'version=1'
  echo 'hostname=diskvm'
  echo 'entrypoint=/bin/probe'
  echo 'cmd=--cat'
  echo 'cmd=/marker'
  echo 'cmd=--ls'
  echo 'cmd=/var/lock/'
  echo 'cmd=--ls'
  echo 'cmd=/'
  echo 'cmd=--cat'
  echo 'cmd=/etc/resolv.conf'
  echo 'cmd=--cat'
  echo 'cmd=/etc/hosts'
  echo 'cmd=--cat'
  echo 'cmd=/proc/mounts'
  echo 'root=/dev/vda'
  echo 'rootfstype=ext4'
  module_conf
} >"$d/oci2vm/init.conf"
initramfs diskinit
disk=(-drive "file=$work/disk.img,if=virtio,format=raw" "${netdev[@]}")
boot disk "$work/diskinit.cpio.gz" "" "${disk[@]}"
check disk "the app runs from the disk" has disk "probe: /marker: on the disk"
check disk "/dev/vda is /" has disk "probe: /proc/mounts: /dev/vda / ext4 rw"
check disk "/run content kept on the tmpfs" has disk "probe: /var/lock//keep"
check disk "initramfs not visible" lacks disk "probe: //oci2vm"
check disk "resolv.conf written through its symlink into /run" has disk "probe: /etc/resolv.conf: nameserver 10.0.2.3"
check disk "/etc/hosts rewritten" has disk "probe: /etc/hosts: 10.0.2.15	diskvm"
ended disk 0
check disk "file system clean after the run (e2fsck -fn)" e2fsck -fn "$work/disk.img" >/dev/null 2>&1

boot disk-ro "$work/diskinit.cpio.gz" "rootflags=ro" "${disk[@]}"
check disk-ro "read-only root" has disk-ro "probe: /proc/mounts: /dev/vda / ext4 ro"
check disk-ro "/etc/hosts bind-mounted over the read-only one" has disk-ro "probe: /etc/hosts: 10.0.2.15	diskvm"
ended disk-ro 0

# --- boot-to-app timing (TIMING_RUNS=N more boots of the static-network VM, medians) ---------
timing_runs="${TIMING_RUNS:-0}"
if ((timing_runs > 0)); then
  uptimes=() walls=()
  for i in $(seq "$timing_runs"); do
    boot "time$i" "$work/net.cpio.gz" "" "${netdev[@]}"
    timing "time$i"
    uptimes+=("${app_uptime[time$i]}")
    walls+=("${app_ms[time$i]}")
  done
  median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
  echo "boot-to-app over $timing_runs runs (virtio-net, static): median kernel uptime" \
    "$(median "${uptimes[@]}") s (min $(printf '%s\n' "${uptimes[@]}" | sort -n | head -1))," \
    "median wall $(median "${walls[@]}") ms"
fi

# --- summary ---------------------------------------------------------------------------------
for name in config static dhcp; do
  echo "boot-to-app $name: kernel uptime ${app_uptime[$name]:-?} s at the app's start," \
    "${app_ms[$name]:-?} ms wall from QEMU's start to 'oci2vm: starting'"
done
if ((failed)); then
  for name in $(printf '%s\n' "${failed_vms[@]}" | sort -u); do
    echo "--- $name.log (last 40 lines)"
    tail -n 40 "$work/$name.log"
  done
fi
echo "$passed passed, $failed failed"
((failed == 0))
