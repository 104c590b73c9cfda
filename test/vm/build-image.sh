#!/usr/bin/env bash
# build-image.sh — build (or reuse from cache) a Debian VM image (bookworm or trixie) for the VM lanes.
#
# Why: the dev/CI machines have no kprobes and kernel lockdown, so kprobe mode is proven in a qemu guest
# running a stock Debian kernel (see ../../../shared/notes/PLATFORM.md and issue 3); and they have no
# systemd as PID 1, so the packaged unit is proven in the same image booted with systemd (issue 13).
# One image per suite serves both lanes: init=/sbin/vm-init (kprobe lane) or systemd (systemd lane).
#
# Usage:   test/vm/build-image.sh [SUITE]          (run as root: debootstrap, chroot; SUITE: bookworm
#                                                   (default, or $VM_SUITE) or trixie)
#          test/vm/build-image.sh [SUITE] --key    print the cache key only
# Output:  the image directory on the LAST line of stdout, containing
#            vmlinuz  initrd.img  rootfs.img (ext4, raw)  kernel-config  manifest.txt  build-seconds
#          progress/log lines go to stderr; the full debootstrap/apt log is in <dir>/build.log.
# Cache:   $NEWSNOTIFY_VM_CACHE (default /var/cache/newsnotify-vm)/image-<suite>-<key>/, where <key>
#          hashes everything the image is made from (this script, packages*.txt, the suite, the
#          mirror). A missing or incomplete cache is rebuilt from scratch; older images of the same
#          suite are deleted so only one per suite stays on disk.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Outside the work tree, so that every clone on this machine (CI's fresh clones included) shares it.
CACHE="${NEWSNOTIFY_VM_CACHE:-/var/cache/newsnotify-vm}"
SUITE="${VM_SUITE:-bookworm}"
if [[ "${1:-}" == bookworm || "${1:-}" == trixie ]]; then SUITE="$1"; shift; fi
case "$SUITE" in bookworm | trixie) ;; *) echo "unknown suite $SUITE (bookworm or trixie)" >&2; exit 2 ;; esac
# Same mirror apt uses on these machines (/etc/apt/sources.list.d/debian.sources); the network here is
# closed except for it.
MIRROR="${VM_MIRROR:-http://deb.debian.org/debian}"
# A Debian install also has the security and updates suites: Debian 12's current nodejs (18.20) is
# in bookworm-security.
SECURITY_MIRROR="${VM_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
ROOTFS_SIZE="3G"
# inn2 is installed after debootstrap: its postinst fails until inn.conf has domain:/server: set.
LATE_PACKAGES="inn2"
# Fetched into apt's cache but not installed, with the package lists kept: the guest has no network,
# and these are what newsnotify's package depends on, so `apt-get install ./newsnotify_*.deb` in the
# systemd lane resolves nodejs from Debian's own repositories as an admin's apt would (Debian 12's
# nodejs 18; Debian 13's nodejs is installed already, packages-trixie.txt). With their recommends,
# as apt installs them by default (nodejs recommends ca-certificates and nodejs-doc).
DOWNLOAD_ONLY="nodejs"

# rm_tree: unmount under a tree, then remove it on one filesystem only.
# shellcheck source=../../scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
log() { printf '[build-image] %s\n' "$*" >&2; }

# packages.txt for every suite, packages-<suite>.txt (if present) for one.
package_files() { ls "$HERE/packages.txt" "$HERE/packages-$SUITE.txt" 2>/dev/null; }
# shellcheck disable=SC2046
package_list() { cat $(package_files) | grep -v '^[[:space:]]*\(#\|$\)' | tr -d ' \t'; }

cache_key() {
  {
    echo "suite=$SUITE mirror=$MIRROR security=$SECURITY_MIRROR size=$ROOTFS_SIZE late=$LATE_PACKAGES"
    echo "download-only=$DOWNLOAD_ONLY"
    # shellcheck disable=SC2046
    cat $(package_files) "$HERE/build-image.sh"
  } | sha256sum | cut -c1-16
}

KEY="$(cache_key)"
if [[ "${1:-}" == "--key" ]]; then echo "$KEY"; exit 0; fi

OUT="$CACHE/image-$SUITE-$KEY"
if [[ -f "$OUT/COMPLETE" ]]; then
  log "cache hit: $OUT (built in $(cat "$OUT/build-seconds")s)"
  echo "$OUT"
  exit 0
fi

[[ $EUID -eq 0 ]] || { log "must run as root (debootstrap, chroot)"; exit 1; }
for tool in debootstrap mke2fs sha256sum; do
  command -v "$tool" >/dev/null || { log "missing tool: $tool"; exit 1; }
done

mkdir -p "$CACHE"
# One build at a time per machine: a second lane run waits here instead of racing on the same dirs.
exec 9>"$CACHE/build.lock"
flock 9
if [[ -f "$OUT/COMPLETE" ]]; then log "cache hit after waiting for lock: $OUT"; echo "$OUT"; exit 0; fi

START=$(date +%s)
WORK="$CACHE/build-$KEY.tmp"
ROOT="$WORK/rootfs"
BUILD_LOG="$WORK/build.log"

# Never rm -rf a tree that still has something mounted inside (proc in the chroot): see rm_tree.
unmount_chroot() {
  if [[ -d "$ROOT" ]]; then
    mounts_under "$ROOT" | sort -r | while read -r m; do umount -l "$m" || true; done
  fi
}
cleanup() {
  local rc=$?
  unmount_chroot
  if [[ $rc -ne 0 ]]; then
    log "FAILED (exit $rc); last lines of $BUILD_LOG:"
    tail -n 30 "$BUILD_LOG" >&2 || true
  fi
}
trap cleanup EXIT

unmount_chroot
rm_tree "$WORK"
mkdir -p "$ROOT"
: >"$BUILD_LOG"

# Plain minbase first, then apt-get in the chroot: on trixie, --include=systemd (or inn2) at
# debootstrap time fails (systemd's pre-dependency; PLATFORM.md).
log "debootstrap $SUITE from $MIRROR (minbase) ..."
debootstrap --variant=minbase "$SUITE" "$ROOT" "$MIRROR" >>"$BUILD_LOG" 2>&1
log "debootstrap done after $(( $(date +%s) - START ))s"

# Nothing may start services inside the chroot (innd would otherwise be launched by its postinst).
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod 755 "$ROOT/usr/sbin/policy-rc.d"
mount -t proc proc "$ROOT/proc"
mount -t sysfs sysfs "$ROOT/sys"
mount --bind /dev "$ROOT/dev"

in_chroot() { chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }

cat >"$ROOT/etc/apt/sources.list" <<SOURCES
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY_MIRROR $SUITE-security main
SOURCES
in_chroot apt-get update >>"$BUILD_LOG" 2>&1
log "apt-get install $(package_list | paste -sd' ') ..."
# shellcheck disable=SC2046
in_chroot apt-get install -y --no-install-recommends $(package_list) >>"$BUILD_LOG" 2>&1
log "installing $LATE_PACKAGES (its postinst is expected to fail until inn.conf is fixed) ..."
if ! in_chroot apt-get install -y --no-install-recommends $LATE_PACKAGES >>"$BUILD_LOG" 2>&1; then
  log "apt-get install $LATE_PACKAGES failed as expected; applying the inn.conf fix"
fi
[[ -f "$ROOT/etc/news/inn.conf" ]] || { log "inn2 did not unpack: no /etc/news/inn.conf"; exit 1; }
sed -i 's/^#domain:.*/domain: example.net/; s/^#server:.*/server: localhost/' "$ROOT/etc/news/inn.conf"
grep -q '^domain: example.net' "$ROOT/etc/news/inn.conf"
grep -q '^server: localhost' "$ROOT/etc/news/inn.conf"
in_chroot dpkg --configure -a >>"$BUILD_LOG" 2>&1
# Anything left half-configured would surface later as a confusing guest failure; fail here instead.
if in_chroot dpkg --audit | grep -q .; then in_chroot dpkg --audit >&2; exit 1; fi

in_chroot apt-get clean >>"$BUILD_LOG" 2>&1
log "apt-get install --download-only $DOWNLOAD_ONLY (kept in apt's cache; the lists are kept too) ..."
# shellcheck disable=SC2086
in_chroot apt-get install -y --download-only $DOWNLOAD_ONLY >>"$BUILD_LOG" 2>&1
rm -f "$ROOT/usr/sbin/policy-rc.d"
umount "$ROOT/dev" "$ROOT/sys" "$ROOT/proc"

echo newsvm >"$ROOT/etc/hostname"
printf '127.0.0.1\tlocalhost newsvm newsvm.example.net\n' >"$ROOT/etc/hosts"
mkdir -p "$ROOT/proj"
echo "$SUITE" >"$ROOT/etc/newsnotify-vm-suite"

# systemd boot (the systemd lane): the kernel command line says `systemd.wants=vmtest.service`, and
# this unit hands over to /proj/guest/systemd-test.sh on the per-run project disk, output on the
# serial console. Nothing else competes for ttyS0 (no getty), and a fixed machine-id avoids any
# first-boot prompt.
cat >"$ROOT/etc/systemd/system/vmtest.service" <<'EOF'
[Unit]
Description=newsnotify VM test: run /proj/guest/systemd-test.sh from the project disk
After=multi-user.target

[Service]
Type=oneshot
TimeoutStartSec=infinity
ExecStart=/bin/sh -c 'mount -o ro /dev/vdb /proj && exec /proj/guest/systemd-test.sh'
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
TTYReset=no
TTYVHangup=no
EOF
ln -sf /dev/null "$ROOT/etc/systemd/system/serial-getty@ttyS0.service"
ln -sf /dev/null "$ROOT/etc/systemd/system/getty@tty1.service"
echo 0123456789abcdef0123456789abcdef >"$ROOT/etc/machine-id"

# The guest's PID 1 (kernel cmdline init=/sbin/vm-init). Deliberately tiny and stable: everything that
# changes with the tests lives on the per-run project disk (/dev/vdb), so editing the scenario does not
# invalidate this image. It hands over to /proj/guest/init.sh, or reports and powers off.
cat >"$ROOT/sbin/vm-init" <<'EOF'
#!/bin/sh
# vm-init: PID 1 of the newsnotify VM lane. Mounts the project disk read-only and runs its guest init.
mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
if mount -o ro /dev/vdb /proj && [ -x /proj/guest/init.sh ]; then
  exec /proj/guest/init.sh
fi
echo "VMRESULT FAIL vm-init: could not mount /dev/vdb at /proj or no /proj/guest/init.sh"
echo o >/proc/sysrq-trigger
sleep 30
EOF
chmod 755 "$ROOT/sbin/vm-init"

# Facts recorded next to the image so run.sh can report them without booting.
KVER="$(basename "$(ls -1 "$ROOT"/boot/vmlinuz-* | sort -V | tail -n1)" | sed 's/^vmlinuz-//')"
cp "$ROOT/boot/vmlinuz-$KVER" "$WORK/vmlinuz"
cp "$ROOT/boot/initrd.img-$KVER" "$WORK/initrd.img"
cp "$ROOT/boot/config-$KVER" "$WORK/kernel-config"
in_chroot dpkg-query -W -f '${Package} ${Version}\n' >"$WORK/manifest.txt"
echo "$KVER" >"$WORK/kernel-release"

log "mke2fs -t ext4 -d rootfs ($ROOTFS_SIZE, sparse) ..."
mke2fs -q -F -t ext4 -L vmroot -d "$ROOT" "$WORK/rootfs.img" "$ROOTFS_SIZE" >>"$BUILD_LOG" 2>&1
rm_tree "$ROOT"

echo $(( $(date +%s) - START )) >"$WORK/build-seconds"
# Publish atomically: only a complete directory is ever seen under the final name.
rm_tree "$OUT"
mv "$WORK" "$OUT"
touch "$OUT/COMPLETE"
# Drop images of this suite built from older inputs (each is a few hundred MB of allocated blocks).
for old in "$CACHE"/image-"$SUITE"-*; do [[ "$old" == "$OUT" ]] || rm_tree "$old"; done
log "built $OUT in $(cat "$OUT/build-seconds")s (kernel $KVER)"
echo "$OUT"
