#!/usr/bin/env bash
# Builds the oci2vm microVM kernel from Linux source with the curated config.
#
#   build.sh SOURCE OUTDIR [EXTRA_FRAGMENT...]
#
# SOURCE   a Linux source tarball (e.g. /usr/src/linux-source-6.1.tar.xz from Debian's
#          linux-source-6.1 package; .tar.xz/.gz/.bz2/.zst/plain tar with one top directory)
#          or an unpacked, clean Linux source directory (it is never written to).
# OUTDIR   receives bzImage, vmlinux (uncompressed and stripped, with the PVH entry note:
#          what Firecracker boots on x86), config (the final .config) and release
#          (`make kernelrelease`). The work tree lives in OUTDIR/work: the unpacked tarball
#          (kept and reused while the tarball is unchanged) and the out-of-tree build
#          directory (reused: a rebuild with another fragment only recompiles what changed).
# EXTRA_FRAGMENT  more Kconfig fragments, merged after oci2vm.config (later ones win).
#
# Steps: make tinyconfig; merge oci2vm.config (next to this script) and the extra fragments
# (scripts/kconfig/merge_config.sh); make olddefconfig; check that every option the fragments
# set is what .config has (Kconfig silently drops options whose dependencies are missing:
# the missing ones are listed and the build fails); make bzImage.
#
# Environment: CONFIG_ONLY=1 stops after configuring and checking; JOBS (default: nproc);
# LOCALVERSION (default -oci2vm); SOURCE_DATE_EPOCH (default: the mtime of the source's top
# Makefile, which the tarball fixes); KEEP_WORK=0 removes OUTDIR/work after a successful
# build. The build is reproducible: timestamp, user, host and build number are fixed.
#
# Needs (Debian): make gcc libc6-dev flex bison bc libelf-dev xz-utils zstd, plus the
# source package (linux-source-6.1). No root needed.
set -eu

die() { echo "build.sh: error: $*" >&2; exit 1; }
say() { echo "build.sh: $*" >&2; }
now() { date +%s; }

[ $# -ge 2 ] || die "usage: $0 SOURCE_TARBALL_OR_DIR OUTDIR [EXTRA_FRAGMENT...]"
source_arg=$1
outdir=$2
shift 2

here=$(cd "$(dirname "$0")" && pwd)
fragments=("$here/oci2vm.config")
for f in "$@"; do
  [ -f "$f" ] || die "fragment not found: $f"
  fragments+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")")
done
for f in "${fragments[@]}"; do [ -r "$f" ] || die "cannot read fragment $f"; done

for tool in make gcc flex bison bc xz zstd perl objcopy; do
  command -v "$tool" >/dev/null 2>&1 ||
    die "'$tool' not found (Debian: apt-get install make gcc libc6-dev flex bison bc libelf-dev xz-utils zstd)"
done
[ -e /usr/include/gelf.h ] || [ -e /usr/include/libelf.h ] ||
  die "libelf headers not found (Debian: apt-get install libelf-dev); objtool needs them"

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
work="$outdir/work"
mkdir -p "$work"
t_start=$(now)

# --- source -----------------------------------------------------------------------------------
if [ -d "$source_arg" ]; then
  src=$(cd "$source_arg" && pwd)
  [ -f "$src/Makefile" ] && [ -f "$src/Kconfig" ] || die "$src is not a Linux source tree"
  if [ -e "$src/.config" ] || [ -d "$src/include/config" ]; then
    die "$src has been configured or built in place; out-of-tree builds need a clean tree (make mrproper)"
  fi
  say "source: $src (directory)"
elif [ -f "$source_arg" ]; then
  tarball=$(cd "$(dirname "$source_arg")" && pwd)/$(basename "$source_arg")
  src="$work/src"
  stamp="$tarball $(stat -c '%s %Y' "$tarball")"
  if [ -f "$work/src.stamp" ] && [ "$(cat "$work/src.stamp")" = "$stamp" ] && [ -f "$src/Makefile" ]; then
    say "source: $tarball (already unpacked in $src)"
  else
    say "source: unpacking $tarball into $src"
    rm -rf "$src" "$work/src.tmp" "$work/src.stamp"
    mkdir -p "$work/src.tmp"
    tar -xf "$tarball" -C "$work/src.tmp" --strip-components=1 ||
      die "cannot unpack $tarball"
    [ -f "$work/src.tmp/Makefile" ] && [ -f "$work/src.tmp/Kconfig" ] ||
      die "$tarball does not hold a Linux source tree (one top directory with Makefile and Kconfig)"
    mv "$work/src.tmp" "$src"
    echo "$stamp" >"$work/src.stamp"
    # The work directory from an older source is stale.
    rm -rf "$work/build"
  fi
else
  die "source not found: $source_arg (a Linux source tarball or directory; Debian: apt-get install linux-source-6.1, then /usr/src/linux-source-6.1.tar.xz)"
fi
t_source=$(now)

# --- reproducible build identity --------------------------------------------------------------
epoch=${SOURCE_DATE_EPOCH:-$(stat -c %Y "$src/Makefile")}
export KBUILD_BUILD_TIMESTAMP="$(LC_ALL=C date -u -d "@$epoch" '+%a %b %e %H:%M:%S UTC %Y')"
export KBUILD_BUILD_USER=oci2vm
export KBUILD_BUILD_HOST=oci2vm
export KBUILD_BUILD_VERSION=1
export LOCALVERSION="${LOCALVERSION--oci2vm}"
export LC_ALL=C
unset ARCH CROSS_COMPILE KCONFIG_CONFIG 2>/dev/null || true
jobs=${JOBS:-$(nproc)}

build="$work/build"
mkdir -p "$build"
kmake() { make -C "$src" O="$build" ARCH=x86_64 "$@"; }

# --- configure --------------------------------------------------------------------------------
say "configure: tinyconfig + ${fragments[*]}"
kmake -s tinyconfig >"$work/configure.log" 2>&1 || { cat "$work/configure.log" >&2; die "make tinyconfig failed"; }
# merge_config.sh -m: only merge into .config (-O: where it is); olddefconfig resolves the rest.
(cd "$build" && bash "$src/scripts/kconfig/merge_config.sh" -m -O "$build" "$build/.config" "${fragments[@]}") \
  >>"$work/configure.log" 2>&1 || { cat "$work/configure.log" >&2; die "merge_config.sh failed"; }
kmake -s olddefconfig >>"$work/configure.log" 2>&1 || { cat "$work/configure.log" >&2; die "make olddefconfig failed"; }

# Every option the fragments set must have survived: "=y" must be y, "is not set" must not be
# y or m, any other value must be exactly that. Later fragments override earlier ones.
wanted="$work/wanted.txt"
awk '
  /^CONFIG_[A-Za-z0-9_]+=/ { i = index($0, "="); want[substr($0, 1, i - 1)] = substr($0, i + 1); next }
  /^# CONFIG_[A-Za-z0-9_]+ is not set/ { want[$2] = "n"; next }
  END { for (k in want) print k, want[k] }
' "${fragments[@]}" | sort >"$wanted"
bad=$(awk '
  NR == FNR { want[$1] = substr($0, length($1) + 2); next }
  /^CONFIG_[A-Za-z0-9_]+=/ { i = index($0, "="); have[substr($0, 1, i - 1)] = substr($0, i + 1) }
  END {
    for (k in want) {
      h = (k in have) ? have[k] : "n"
      w = want[k]
      if (w == "n" ? (h == "y" || h == "m") : (h != w))
        printf "  %s: wanted %s, .config has %s\n", k, w, (k in have) ? h : "it not set"
    }
  }
' "$wanted" "$build/.config" | sort)
if [ -n "$bad" ]; then
  echo "build.sh: error: Kconfig did not keep these options (a dependency is missing or" >&2
  echo "  another option forces them; add what they depend on to the fragment):" >&2
  echo "$bad" >&2
  exit 1
fi
say "configure: all $(wc -l <"$wanted") options of the fragments are in .config"
t_config=$(now)
if [ "${CONFIG_ONLY:-0}" = 1 ]; then
  cp "$build/.config" "$outdir/config"
  say "CONFIG_ONLY=1: stopping after configure ($outdir/config)"
  exit 0
fi

# --- build ------------------------------------------------------------------------------------
say "build: make -j$jobs bzImage (log: $work/build.log)"
if ! kmake -j"$jobs" bzImage >"$work/build.log" 2>&1; then
  tail -40 "$work/build.log" >&2
  die "make bzImage failed (full log: $work/build.log)"
fi
release=$(kmake -s kernelrelease)
t_build=$(now)

cp "$build/arch/x86/boot/bzImage" "$outdir/bzImage.tmp" && mv "$outdir/bzImage.tmp" "$outdir/bzImage"
# Symbols stripped; the PVH entry note (.note.Xen) stays.
objcopy --strip-all "$build/vmlinux" "$outdir/vmlinux.tmp" && mv "$outdir/vmlinux.tmp" "$outdir/vmlinux"
cp "$build/.config" "$outdir/config"
echo "$release" >"$outdir/release"
if [ "${KEEP_WORK:-1}" = 0 ]; then rm -rf "$work"; fi

say "done: $release"
say "  $outdir/bzImage  $(stat -c %s "$outdir/bzImage") bytes"
say "  $outdir/vmlinux  $(stat -c %s "$outdir/vmlinux") bytes"
say "  timings: source $((t_source - t_start)) s, configure $((t_config - t_source)) s," \
  "compile $((t_build - t_config)) s, total $((t_build - t_start)) s"
