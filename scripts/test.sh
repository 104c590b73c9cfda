#!/usr/bin/env bash
# test.sh — the whole test suite, on a fresh Debian 12 machine or a used one.
#
# USAGE: scripts/test.sh             lint, typecheck, unit, end-to-end (the .deb built and linted
#                                    included), and the VM lanes on Debian 12 and 13
#        scripts/test.sh --no-vm     everything but the VM lanes
#
# As root, or as a user with sudo rights (it runs itself again through sudo).
# VM lanes (qemu TCG, images cached in /var/cache/newsnotify-vm, one per Debian release), each on
# bookworm and trixie: the kprobe lane (the CLI on a stock kernel: kprobe and uprobe sources) and the
# systemd lane (the .deb installed in a guest booted with systemd); then the generated programs
# compiled by Debian 13's bpftrace 0.23 (the trixie image mounted as a chroot).
#
# TEST MACHINES ONLY. It installs what the tests need (bpftrace, inn2, exim4, ngircd, mosquitto,
# PostgreSQL, qemu + debootstrap for the VM lane), starts the local innd, and posts test articles to it
# (groups local.test and a.b.c.d.e.f.g.h.i): not on a production news server. It never replaces
# what the machine has: when an install would remove an installed package (exim4 and an installed
# postfix conflict, say), it stops before installing anything and says which.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$here/scripts/lib.sh"

vm=1
for arg in "$@"; do
  case $arg in
    --no-vm) vm=0 ;;
    *) die "unknown argument $arg (see the header of $0)" ;;
  esac
done

need_root "$@"
# Some tests run newsnotify as other users (nobody; a user with bpftrace through sudo): they must be
# able to reach this checkout. Debian's /root is 0700, so a clone under /root cannot pass them.
setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$here/bin/newsnotify" 2>/dev/null ||
  die "other users cannot reach $here (the tests also run newsnotify as nobody and as an unprivileged user).
  Clone it where they can, e.g. under /srv or /opt (not /root: Debian makes it 0700), and run this again there."
log "scripts/test.sh is for test machines only: it installs servers, starts innd and posts to it"
# Real servers for the notifier tests (started by the tests themselves on 127.0.0.1, in temp dirs);
# prometheus for promtool alone; PostgreSQL 15 for the cluster tests (each test starts its own
# throwaway server with initdb + pg_ctl).
packages=(bpftrace sudo lintian openssl ngircd mosquitto exim4-daemon-light prometheus postgresql inn2)
[ $vm = 1 ] && packages+=(qemu-system-x86 debootstrap cpio e2fsprogs)
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
nothing_replaced "${packages[@]}"
need_node 20
apt_install bpftrace sudo lintian openssl
apt_install ngircd mosquitto exim4-daemon-light
apt_install_no_start prometheus
apt_install_no_start postgresql
install_inn
[ $vm = 1 ] && apt_install qemu-system-x86 debootstrap cpio e2fsprogs
node_deps "$here"
mount_tracing

cd "$here"
t0=$(date +%s)
log "lint + typecheck"
npm run --silent lint
npm run --silent typecheck
log "unit and end-to-end tests"
results=$(mktemp)
status=0
node --test bench/test/ >/dev/null || die "bench harness tests failed (node --test bench/test/)"
npx vitest run --reporter=default --reporter=json --outputFile.json="$results" || status=$?
# One plain closing line, whatever the runner's own summary looks like. A suite that failed as a
# whole (beforeAll threw, an import failed) counts as a failure; a skipped test (.skip, .todo, a
# skipIf that fired) proved nothing and fails the run too.
summary=0
node scripts/vitest-summary.mjs "$results" || summary=1
rm -f "$results"
[ $status = 0 ] || die "tests failed"
[ $summary = 0 ] || die "tests failed or were skipped (see above): a skipped test must fail or be removed"
if [ $vm = 1 ]; then
  # Each guest runs its Debian's own nodejs (18 on Debian 12, 20 on Debian 13), from its image.
  failed=()
  for lane in bookworm/kprobe bookworm/systemd trixie/kprobe trixie/systemd; do
    log "VM lane $lane"
    tl=$(date +%s)
    test/vm/run.sh --suite "${lane%/*}" --lane "${lane#*/}" || failed+=("$lane")
    log "VM lane $lane: $(( $(date +%s) - tl )) s"
  done
  log "generated programs compiled by Debian 13's bpftrace (the trixie image as a chroot)"
  test/vm/with-chroot.sh trixie npx vitest run --project e2e test/e2e/compile.test.ts ||
    failed+=("compile with trixie's bpftrace")
  [ ${#failed[@]} = 0 ] || die "VM lanes failed: ${failed[*]}"
fi
log "all tests passed in $(( $(date +%s) - t0 )) s"
