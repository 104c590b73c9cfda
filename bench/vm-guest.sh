#!/bin/bash
# vm-guest.sh — PID 1 in the bench VM (bench/vm.sh puts it at /proj/guest/init.sh, which the image's
# /sbin/vm-init runs): mounts, node and inotifywait from /proj/runtime, then one bench/run.mjs per
# line of /proj/bench-args, results to /tmp/results, sent back after each run as base64 `BENCHTAR`
# lines between BENCHTAR-BEGIN and BENCHTAR-END; powers off.
set -uo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
off() { sync; echo o >/proc/sysrq-trigger; sleep 30; }
trap 'echo "BENCHVM FAIL guest script exited early"; off' EXIT
mount -o remount,rw / 2>/dev/null || true
mountpoint -q /tmp || mount -t tmpfs -o mode=1777 tmpfs /tmp
mountpoint -q /run || mount -t tmpfs -o mode=755 tmpfs /run
mountpoint -q /dev/pts || { mkdir -p /dev/pts && mount -t devpts devpts /dev/pts; }
mountpoint -q /dev/shm || { mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm; }
mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
hostname newsvm
ip link set lo up
echo 1 >/proc/sys/kernel/sysrq
ln -sf /proj/runtime/node /usr/local/bin/node
ln -sf /proj/runtime/inotifywait /usr/local/bin/inotifywait
cp /proj/runtime/libinotifytools.so.* /usr/local/lib/ && ldconfig
echo "BENCHVM kernel $(uname -r), $(bpftrace --version | head -n1), node $(node --version), $(nproc) CPUs, commit $(cat /proj/commit 2>/dev/null)"
mkdir -p /tmp/results
export BENCH_READY_TIMEOUT_S=900
# The private innd must be on ext4 (the reference clock is ext4_allocate_inode), not /tmp's tmpfs.
export TMPDIR=/var/tmp
while IFS= read -r args; do
  [[ -n $args ]] || continue
  echo "BENCHVM run: $args"
  # shellcheck disable=SC2086 # the line is a list of options
  node /proj/bench/run.mjs $args --out /tmp/results 2>&1
  echo "BENCHVM exit $? for: $args"
  # After every run, so a VM stopped by the host's timeout still returns the runs done so far.
  echo "BENCHTAR-BEGIN"
  tar -czf - -C /tmp/results . | base64 -w 120 | sed 's/^/BENCHTAR /'
  echo "BENCHTAR-END"
done </proj/bench-args
echo "BENCHVM DONE"
trap - EXIT
off
