#!/usr/bin/env bash
# with-chroot.sh — run a host command with another Debian's userland at hand: the VM image of SUITE
# (built or cached by build-image.sh) loop-mounted read-only, with /proc, /sys, /dev and a writable
# /tmp, its path in $BPFTRACE_CHROOT. Used for the compile check against Debian 13's bpftrace 0.23
# (test/e2e/compile.test.ts runs `chroot $BPFTRACE_CHROOT bpftrace --emit-elf ...`): compiling needs
# only the running kernel's BTF, not a VM.
#
# USAGE: test/vm/with-chroot.sh SUITE COMMAND...      (as root)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
suite=${1:?usage: with-chroot.sh SUITE COMMAND...}
shift
img=$("$here/build-image.sh" "$suite" | tail -n1)
root=$(mktemp -d /tmp/newsnotify-chroot-"$suite".XXXXXX)
tmp=$(mktemp -d /tmp/newsnotify-chroot-tmp.XXXXXX)
cleanup() {
  # Innermost first; never remove a directory with anything still mounted inside.
  for m in tmp dev sys proc; do mountpoint -q "$root/$m" && umount -l "$root/$m"; done
  mountpoint -q "$root" && umount "$root"
  findmnt -rn -o TARGET | grep -qF "$root" || rmdir "$root"
  rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT
# noload: a read-only mount that does not replay the journal (the cached image is never written).
mount -o loop,ro,noload "$img/rootfs.img" "$root"
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --make-rslave "$root/sys"
mount --bind /dev "$root/dev"
mount --bind "$tmp" "$root/tmp"
BPFTRACE_CHROOT=$root "$@"
