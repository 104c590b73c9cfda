#!/usr/bin/env bash
# vm.sh — the benchmark inside the Debian 12 VM image of test/vm (kernel 6.1 with kprobes, bpftrace
# 0.17, INN 2.7.1) under qemu TCG: the one place here where `--mode kprobe` can run (issue 12).
# Under TCG everything is many times slower than on the host: compare contenders within a run (ratios),
# not absolute figures with host runs.
#
# USAGE: sudo bench/vm.sh 'BENCH ARGS' ['BENCH ARGS' ...]     (one bench/run.mjs invocation each)
#   e.g. sudo bench/vm.sh '--runs 1 --articles 2000 --mode kprobe' '--runs 1 --articles 2000 --rate 100 --mode kprobe'
#   VM_TIMEOUT=secs (default 2400), VM_NODE=path (default: the host's node, copied in)
# Output: each invocation's report on the console; its results (the --out directory) are copied to
#   bench/results/ with a `vm-` prefix: vm-<label>.{json,md,svg}, vm-console.log
# Needs: the project built (npm run build), qemu-system-x86, e2fsprogs, the host's inotifywait
#   (inotify-tools: copied into the guest with its library, the image has none).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
# shellcheck source=../scripts/lib.sh
. "$ROOT/scripts/lib.sh"
say() { printf '[bench-vm] %s\n' "$*"; }
die() { printf '[bench-vm] ERROR: %s\n' "$*" >&2; exit 1; }
[[ $EUID -eq 0 ]] || die "run as root"
[[ $# -gt 0 ]] || die "give at least one set of bench arguments (see the header)"
[[ -f "$ROOT/dist/cli.js" ]] || die "project not built: npm run build"
NODE_BIN="${VM_NODE:-$(readlink -f "$(command -v node)")}"
IW="$(command -v inotifywait)" || die "no inotifywait on the host (apt-get install inotify-tools)"
IWLIB="$(ldd "$IW" | awk '/libinotifytools/ { print $3 }')"

IMG="$("$ROOT/test/vm/build-image.sh" bookworm | tail -n1)"
say "image $IMG (kernel $(cat "$IMG/kernel-release"))"
RUN="$(mktemp -d /tmp/nn-bench-vm.XXXXXX)"
trap 'rm_tree "$RUN"' EXIT
STAGE="$RUN/stage"
mkdir -p "$STAGE/runtime" "$STAGE/guest"
for item in bin dist node_modules package.json scripts bench; do
  cp -al "$ROOT/$item" "$STAGE/" 2>/dev/null || cp -a "$ROOT/$item" "$STAGE/"
done
rm -rf --one-file-system "$STAGE/bench/results"
cp "$NODE_BIN" "$STAGE/runtime/node"
cp "$IW" "$IWLIB" "$STAGE/runtime/"
cp "$HERE/vm-guest.sh" "$STAGE/guest/init.sh"
cp "$ROOT/test/vm/guest/lib.sh" "$STAGE/guest/lib.sh"
printf '%s\n' "$@" >"$STAGE/bench-args"
git -C "$ROOT" rev-parse --short HEAD >"$STAGE/commit" 2>/dev/null || true
size_mb=$(($(du -sm "$STAGE" | cut -f1) * 13 / 10 + 64))
mke2fs -q -F -t ext4 -L vmproj -d "$STAGE" "$RUN/project.img" "${size_mb}M" >/dev/null

CONSOLE="$RUN/console.log"
say "booting qemu (TCG, 2 vCPU, 2 GiB), timeout ${VM_TIMEOUT:-2400}s ..."
set +e
timeout --kill-after=10 "${VM_TIMEOUT:-2400}" qemu-system-x86_64 \
  -accel tcg -cpu max -m 2048 -smp 2 -nographic -no-reboot \
  -kernel "$IMG/vmlinuz" -initrd "$IMG/initrd.img" \
  -drive "file=$IMG/rootfs.img,format=raw,if=virtio,snapshot=on" \
  -drive "file=$RUN/project.img,format=raw,if=virtio,readonly=on" \
  -append "console=ttyS0 root=/dev/vda rw init=/sbin/vm-init panic=-1 loglevel=3" \
  </dev/null 2>&1 | while IFS= read -r line; do
    line="${line%$'\r'}"
    printf '%s\n' "$line" >>"$CONSOLE"
    case "$line" in "BENCHTAR "*) ;; *) printf '%s\n' "$line" ;; esac
  done
rc=${PIPESTATUS[0]}
set -e
grep -v '^BENCHTAR ' "$CONSOLE" >"$ROOT/bench/results/vm-console.log" || true
# The results directory comes back after each run as base64 of a tar.gz, one `BENCHTAR <chunk>` line
# at a time between BENCHTAR-BEGIN and BENCHTAR-END: the last complete block has every run done.
if grep -q '^BENCHTAR-END' "$CONSOLE"; then
  mkdir -p "$RUN/out"
  awk '/^BENCHTAR-BEGIN/ { b = "" } /^BENCHTAR / { b = b $2 "\n" } /^BENCHTAR-END/ { last = b }
       END { printf "%s", last }' "$CONSOLE" | base64 -d | tar -xzf - -C "$RUN/out"
  # The labelled files only: latest.* and latency-cdf.svg repeat the last of them.
  rm -f "$RUN/out"/latest.* "$RUN/out/latency-cdf.svg"
  for f in "$RUN/out"/*; do cp "$f" "$ROOT/bench/results/vm-$(basename "$f")"; done
  say "results: $(cd "$RUN/out" && ls | sed 's/^/vm-/' | tr '\n' ' ')in bench/results/"
else
  die "no results came back (qemu exit $rc); console: bench/results/vm-console.log"
fi
grep -q '^BENCHVM DONE' "$CONSOLE" || die "the guest did not finish (qemu exit $rc)"
