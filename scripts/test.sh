#!/usr/bin/env bash
# test.sh — the whole test suite, on a fresh Debian 12 machine or a used one.
#
# USAGE: sudo scripts/test.sh             lint, typecheck, unit, end-to-end, and the kprobe VM lane
#        sudo scripts/test.sh --no-vm     everything but the VM lane
#
# It installs what the tests need (bpftrace, inn2, qemu + debootstrap for the VM lane), starts the
# local innd, and posts test articles to it (groups local.test and a.b.c.d.e.f.g.h.i): run it on a
# test machine, not on a production news server.
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
need_node
apt_install bpftrace sudo lintian
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
# One plain closing line, whatever the runner's own summary looks like.
node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed` +
    (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));' "$results" || true
rm -f "$results"
[ $status = 0 ] || die "tests failed"
if [ $vm = 1 ]; then
  log "kprobe VM lane"
  npm run --silent test:vm
fi
log "all tests passed in $(( $(date +%s) - t0 )) s"
