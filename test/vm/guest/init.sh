#!/bin/bash
# guest/init.sh — runs as PID 1 inside the VM (exec'd by /sbin/vm-init from the image, with this disk
# mounted read-only at /proj). Prepares the system, records the kernel facts, runs the raw bpftrace
# checks and the CLI scenario, then powers the VM off.
#
# Output: everything goes to the serial console; result lines have the form
#   VMRESULT <PASS|FAIL|INFO|SKIP> <case> <detail...>
# and the last one is `VMRESULT DONE`. run.sh on the host parses these; nothing else is a result.
# Deliberately no `set -e`: PID 1 must always reach the power-off at the end, whatever fails.
set -uo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8

# shellcheck source=lib.sh
. /proj/guest/lib.sh

poweroff_now() {
  sync
  echo o >/proc/sysrq-trigger
  sleep 30
}
# If this script dies early (a bug here, a signal), still power off instead of leaving a hung VM for
# run.sh's timeout; run.sh treats a missing `VMRESULT DONE` as failure.
trap 'result FAIL init "guest init exited early"; poweroff_now' EXIT

result INFO boot "kernel up $(cut -d' ' -f1 /proc/uptime)s after start; guest init begins"
T0=$(now)

# --- system setup -----------------------------------------------------------------------------------
mount -o remount,rw / 2>/dev/null || true
mountpoint -q /tmp || mount -t tmpfs -o mode=1777 tmpfs /tmp
mountpoint -q /run || mount -t tmpfs -o mode=755 tmpfs /run
mountpoint -q /dev/pts || { mkdir -p /dev/pts && mount -t devpts devpts /dev/pts; }
mountpoint -q /dev/shm || { mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm; }
# bpftrace needs tracefs (kprobe_events) and debugfs; securityfs shows the lockdown state.
mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
mountpoint -q /sys/kernel/security || mount -t securityfs securityfs /sys/kernel/security
hostname newsvm
# Debian's own nodejs: installed in the Debian 13 image; Debian 12's (18) is in the image's apt cache
# only (build-image.sh), so that the systemd lane's apt installs it as newsnotify's dependency. The
# root disk is a snapshot: this install is gone at power-off.
command -v node >/dev/null ||
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-download --no-install-recommends nodejs >/tmp/apt-nodejs.log 2>&1 ||
  result FAIL node "Debian's nodejs not installed from the apt cache: $(tail -n 3 /tmp/apt-nodejs.log | tr '\n' ' ')"
ip link set lo up
echo 1 >/proc/sys/kernel/sysrq

# --- kernel facts: the reason this lane exists --------------------------------------------------------
KREL="$(uname -r)"
SUITE="$(cat /proj/suite 2>/dev/null || echo bookworm)"
case "$SUITE/$KREL" in
  bookworm/6.1.* | trixie/6.12.*) result PASS kernel-release "uname -r = $KREL ($SUITE)" ;;
  *) result FAIL kernel-release "uname -r = $KREL (expected Debian $SUITE's kernel: bookworm 6.1.x, trixie 6.12.x)" ;;
esac
KCONF="/boot/config-$KREL"
if grep -qx 'CONFIG_KPROBES=y' "$KCONF" 2>/dev/null; then
  result PASS kernel-kprobes "CONFIG_KPROBES=y in $KCONF"
else
  result FAIL kernel-kprobes "CONFIG_KPROBES not y in $KCONF: $(grep 'CONFIG_KPROBES[= ]' "$KCONF" 2>&1)"
fi
LOCKDOWN="$(cat /sys/kernel/security/lockdown 2>/dev/null || echo unavailable)"
case "$LOCKDOWN" in
  *"[none]"*) result PASS kernel-lockdown "lockdown: $LOCKDOWN" ;;
  *) result FAIL kernel-lockdown "lockdown: $LOCKDOWN (expected [none])" ;;
esac
if [[ -e /sys/kernel/btf/vmlinux ]]; then
  result PASS kernel-btf "/sys/kernel/btf/vmlinux present"
else
  result FAIL kernel-btf "no /sys/kernel/btf/vmlinux"
fi
result INFO bpftrace "$(bpftrace --version 2>&1 | head -n1); node $(node --version 2>&1)"

# --- innd ---------------------------------------------------------------------------------------------
if innd_start; then
  result PASS innd-start "innd listening on 127.0.0.1:119 after $(elapsed "$T0")s of init"
else
  result FAIL innd-start "innd did not come up; see console above"
fi

# --- a focused experiment instead of the checks (run.sh --only NAME) ---------------------------------
ONLY="$(cat /proj/only 2>/dev/null || true)"
if [[ -n $ONLY ]]; then
  T1=$(now)
  bash "/proj/guest/$ONLY.sh"
  result INFO timing "$ONLY $(elapsed "$T1")s"
fi

# --- raw kernel checks (no project code involved) -----------------------------------------------------
T1=$(now)
[[ -n $ONLY ]] || bash /proj/guest/raw-probes.sh
result INFO timing "raw-probes $(elapsed "$T1")s"

# --- the project's real CLI ---------------------------------------------------------------------------
T2=$(now)
if [[ -n $ONLY ]]; then
  :
elif [[ -f /proj/dist/cli.js ]]; then
  node /proj/guest/scenario.mjs
  rc=$?
  [[ $rc -eq 0 ]] || result FAIL scenario "scenario.mjs exited $rc"
  # The uprobe source with CNFS and timecaf (issue 11): last, it rewrites storage.conf.
  T3=$(now)
  node /proj/guest/scenario-uprobe.mjs
  rc=$?
  [[ $rc -eq 0 ]] || result FAIL uprobe-scenario "scenario-uprobe.mjs exited $rc"
  result INFO timing "scenario-uprobe $(elapsed "$T3")s"
else
  result SKIP cli "no dist/cli.js in the project copy: CLI scenario not run"
fi
result INFO timing "scenario $(elapsed "$T2")s"

result INFO timing "guest-total $(elapsed "$T0")s (uptime $(cut -d' ' -f1 /proc/uptime)s)"
echo "VMRESULT DONE"
innd_stop >/dev/null 2>&1 || true
trap - EXIT
poweroff_now
