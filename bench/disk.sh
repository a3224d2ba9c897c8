#!/usr/bin/env bash
# Benchmark of `oci2vm convert --format qcow2` on the realistic fixture (debianNginx: Debian
# bookworm minbase + nginx), beside the usual pipeline doing the same job with the usual tools:
#
#   umoci unpack (the flattened tree on the host filesystem, as root)
#   + mke2fs -t ext4 -d TREE (an ext4 image of it, sized like oci2vm's root: content + 25%, >= 64 MiB)
#   + qemu-img convert -O qcow2
#
# Both read the same OCI layout, so no registry is involved. oci2vm runs with an empty cache each
# time (every layer decompressed again, like umoci), both with slimming (its default) and with
# --no-slim (the same files umoci unpacks). The usual pipeline writes only an ext4 filesystem; oci2vm
# writes a whole bootable GPT disk (ESP with UKI and GRUB, kernel, initramfs, ext4 root) on top.
# Printed: median wall time and peak memory (max RSS of any process of the run, GNU time) of RUNS
# runs, and the qcow2 sizes.
#
# Run from anywhere:   bench/disk.sh            (RUNS=5 bench/disk.sh for more runs)
# Needs root (umoci unpack, debootstrap for the fixture the first time), Java 17, Maven, umoci,
# e2fsprogs, qemu-utils and GNU time (installed with apt when missing).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
runs="${RUNS:-3}"
run_timeout="${RUN_TIMEOUT:-900}"

source bench/lib.sh

need=()
[[ -x /usr/bin/time ]] || need+=(time)
command -v umoci >/dev/null || need+=(umoci)
command -v mke2fs >/dev/null || need+=(e2fsprogs)
command -v qemu-img >/dev/null || need+=(qemu-utils)
command -v jq >/dev/null || need+=(jq)
install_missing "${need[@]}"

make_tmp oci2vm-disk-bench
build_jar
fixture_refs debianNginx
ref="${refs[0]}"
layout="${ref#oci:}"
layout="${layout%:*}"

# timed NAME CMD...: runs CMD under GNU time, prints "SECONDS RSS_KIB".
timed() {
  if ! timeout "$run_timeout" /usr/bin/time -v -o "$tmp/time.txt" "$@" >"$tmp/run.log" 2>&1; then
    log "failed: $*"
    cat "$tmp/run.log" "$tmp/time.txt" >&2 2>/dev/null || true
    exit 1
  fi
  awk -F': ' '
    /Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i] }
    /Maximum resident set size/ { rss = $2 }
    END { printf "%.2f %d\n", s, rss }' "$tmp/time.txt"
}

load_before="$(loadavg)"
for r in $(seq "$runs"); do
  for mode in slim noslim; do
    log "oci2vm ($mode) run $r/$runs"
    rm -rf "$tmp/cache" "$tmp/oci2vm-$mode.qcow2"
    extra=()
    [[ $mode == noslim ]] && extra=(--no-slim)
    measure "oci2vm.$mode" convert "$ref" "${extra[@]}" -o "$tmp/oci2vm-$mode.qcow2" \
      --cache-dir "$tmp/cache" -q
  done

  log "usual pipeline run $r/$runs"
  rm -rf "$tmp/bundle" "$tmp/root.img" "$tmp/usual.qcow2"
  read -r s1 m1 < <(timed umoci unpack --image "$layout:latest" "$tmp/bundle")
  kib=$(du -sk "$tmp/bundle/rootfs" | cut -f1)
  size_mib=$(( (kib * 5 / 4) / 1024 + 1 ))
  ((size_mib < kib / 1024 + 64)) && size_mib=$((kib / 1024 + 64))
  read -r s2 m2 < <(timed mke2fs -q -F -t ext4 -d "$tmp/bundle/rootfs" "$tmp/root.img" "${size_mib}M")
  read -r s3 m3 < <(timed qemu-img convert -O qcow2 "$tmp/root.img" "$tmp/usual.qcow2")
  awk -v a="$s1" -v b="$s2" -v c="$s3" -v x="$m1" -v y="$m2" -v z="$m3" 'BEGIN {
    m = x; if (y > m) m = y; if (z > m) m = z; printf "%.2f %d\n", a + b + c, m }' >>"$tmp/usual"
  echo "$s1 $s2 $s3" >>"$tmp/usual.steps"
done
load_after="$(loadavg)"

row() {
  printf '| %s | %s | %s | %s |\n' "$1" "$(median "$tmp/$2" 1)" "$(mib "$(median "$tmp/$2" 2)")" "$3"
}
echo
echo "## oci2vm convert --format qcow2 vs umoci + mke2fs -d + qemu-img convert (debianNginx)"
echo
echo "$(machine_summary) $runs runs, median; load average before: $load_before, after: $load_after."
echo
kernel="$(jq -r '.kernel.release + " (" + .kernel.origin + ")"' "$tmp/oci2vm-slim.oci2vm.json")"
echo "oci2vm's disks carry kernel $kernel on the ESP twice (in the UKI for UEFI, loose for GRUB)."
echo
echo "| pipeline | wall s | peak RSS MiB | qcow2 |"
echo "|---|---|---|---|"
row "oci2vm convert (slimmed; whole bootable disk)" oci2vm.slim "$(human "$(stat -c %s "$tmp/oci2vm-slim.qcow2")")"
row "oci2vm convert --no-slim (whole bootable disk)" oci2vm.noslim "$(human "$(stat -c %s "$tmp/oci2vm-noslim.qcow2")")"
row "umoci unpack + mke2fs -d + qemu-img convert (ext4 only)" usual "$(human "$(stat -c %s "$tmp/usual.qcow2")")"
echo
echo "Usual pipeline steps (s, each run): umoci / mke2fs / qemu-img: $(tr '\n' ';' <"$tmp/usual.steps")"
