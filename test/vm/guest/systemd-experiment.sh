#!/bin/bash
# guest/systemd-experiment.sh — measurements behind the unit's choices, run by systemd-test.sh when
# /proj/experiment exists (test/vm/run.sh --lane systemd --experiment). INFO lines only.
#
# 1. caps-*: which CapabilityBoundingSet lets it work (the service with Type=simple, so that the
#    notification does not matter): "ready:" in the journal, then an article posted with inews comes
#    out, and bpftrace was not restarted meanwhile (an interval probe failing after the ready line).
# 2. notify-*: systemd-notify --ready from a Type=notify unit, 10 starts each: with
#    NotifyAccess=all and no CAP_SYS_ADMIN (the sender is systemd-notify itself, which may have exited
#    before systemd looks up its cgroup: the known race), and with NotifyAccess=main and CAP_SYS_ADMIN
#    (systemd-notify sends with its parent's PID, the main PID).
set -uo pipefail
. /proj/guest/lib.sh
UNIT=newsnotify.service
DROPIN=/run/systemd/system/$UNIT.d
mkdir -p "$DROPIN"

try_caps() { # try_caps NAME CAPS...
  local name=$1
  shift
  printf '[Service]\nType=simple\nCapabilityBoundingSet=\nCapabilityBoundingSet=%s\n' "$*" >"$DROPIN/caps.conf"
  systemctl daemon-reload
  local since
  since=$(date '+%Y-%m-%d %H:%M:%S')
  systemctl start $UNIT
  local i verdict=timeout
  for i in $(seq 1 240); do
    if journalctl -u $UNIT --since "$since" -o cat | grep -q 'ready: '; then verdict=attached; break; fi
    if ! systemctl is-active -q $UNIT; then verdict="exited ($(systemctl show -P ExecMainStatus $UNIT))"; break; fi
    sleep 0.5
  done
  if [[ $verdict == attached ]]; then
    local id="<caps.$name.$(date +%s)@example.net>"
    printf 'From: Caps <caps@example.net>\nNewsgroups: local.test\nSubject: caps %s\nMessage-ID: %s\n\nx\n' "$name" "$id" >/tmp/caps-art
    post_article /tmp/caps-art >/dev/null
    verdict="attached, article NOT seen"
    for i in $(seq 1 120); do
      if journalctl -u $UNIT --since "$since" -o cat | grep -qF "$id"; then verdict="attached, article seen"; break; fi
      sleep 0.5
    done
    journalctl -u $UNIT --since "$since" -o cat | grep -q 'restarting in' && verdict="$verdict, but bpftrace restarted"
  fi
  local err
  err=$(journalctl -u $UNIT --since "$since" -o cat | grep -iE 'error|warn|bpftrace:|denied|permitted' | head -n 3 | tr '\n' ' ')
  result INFO "caps-$name" "$verdict with {$*} ${err:+— $err}"
  systemctl stop $UNIT
  systemctl reset-failed $UNIT 2>/dev/null
}

try_caps bpf-perfmon CAP_BPF CAP_PERFMON
try_caps sysadmin CAP_SYS_ADMIN
try_caps bpf-perfmon-sysadmin CAP_BPF CAP_PERFMON CAP_SYS_ADMIN
rm -f "$DROPIN/caps.conf"
systemctl daemon-reload

notify_race() { # notify_race NAME PROPERTIES...
  local name=$1 ok=0 n
  shift
  for n in $(seq 1 10); do
    if timeout 20 systemd-run --quiet --unit="nr-$name-$n" -p Type=notify -p TimeoutStartSec=8 "$@" \
      /bin/sh -c 'systemd-notify --ready; exec sleep 60' 2>/dev/null; then
      ok=$((ok + 1))
    fi
    systemctl stop "nr-$name-$n" 2>/dev/null
    systemctl reset-failed "nr-$name-$n" 2>/dev/null
  done
  result INFO "notify-$name" "$ok of 10 starts saw READY=1 ($*)"
}
notify_race all-nocap -p NotifyAccess=all -p CapabilityBoundingSet=~CAP_SYS_ADMIN
notify_race main-cap -p NotifyAccess=main
notify_race all-cap -p NotifyAccess=all
