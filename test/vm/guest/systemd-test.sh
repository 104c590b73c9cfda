#!/bin/bash
# guest/systemd-test.sh — the systemd lane inside a guest booted with systemd as PID 1 (run by the
# image's vmtest.service, output on the serial console; see build-image.sh). Installs the project's
# .deb with apt (its nodejs from Debian's own repositories, fetched into the image's apt cache: the
# guest has no network), sees that the package started nothing, then: systemctl enable --now, an
# article posted with inews
# shows up in the journal, systemctl reload (also with a broken config), systemctl stop, and
# systemd-analyze security before/after hardening. Prints VMRESULT lines (lib.sh), powers off.
#
# /proj/experiment present: also the capability experiment (which bounding sets let bpftrace attach)
# and the systemd-notify race check; INFO lines only, several minutes more.
set -uo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive SYSTEMD_PAGER= SYSTEMD_COLORS=0

# shellcheck source=lib.sh
. /proj/guest/lib.sh

poweroff_now() {
  sync
  echo 1 >/proc/sys/kernel/sysrq
  echo o >/proc/sysrq-trigger
  sleep 30
}
trap 'result FAIL init "systemd-test.sh exited early"; poweroff_now' EXIT

SUITE=$(cat /proj/suite)
UNIT=newsnotify.service
T0=$(now)
result INFO boot "kernel up $(cut -d' ' -f1 /proc/uptime)s; $SUITE; $(uname -r); $(systemctl --version | head -n1)"

journal() { journalctl -u "$UNIT" -o cat --no-pager "$@" 2>/dev/null; }
prop() { systemctl show -P "$1" "$UNIT"; }
# wait_for SECONDS COMMAND...: until the command succeeds.
wait_for() {
  local end=$(($(date +%s) + $1))
  shift
  until "$@"; do
    [[ $(date +%s) -lt $end ]] || return 1
    sleep 0.5
  done
}
journal_has() { journal | grep -qF -- "$1"; }
journal_count() { journal | grep -cF -- "$1"; }

# --- systemd is PID 1, innd runs as its own unit ---------------------------------------------------------
if [[ "$(cat /proc/1/comm)" == systemd ]]; then
  result PASS systemd-pid1 "PID 1 is systemd ($(systemctl is-system-running 2>&1))"
else
  result FAIL systemd-pid1 "PID 1 is $(cat /proc/1/comm)"
fi
if wait_for 120 innd_ready; then
  result PASS innd-active "inn2.service $(systemctl is-active inn2 2>&1), innd answers on 127.0.0.1:119"
else
  result FAIL innd-active "innd not answering; inn2.service: $(systemctl is-active inn2 2>&1)"
fi
# tracefs: systemd mounts it (sys-kernel-tracing.mount); the hardened unit cannot mount anything.
result INFO tracefs "$(findmnt -rn -o TARGET,FSTYPE -t tracefs,debugfs | tr "\n" " ")"

# --- install ------------------------------------------------------------------------------------------
T1=$(now)
# The README's command; only Debian's repositories in sources.list (build-image.sh).
deb=$(ls /proj/debs/newsnotify_*.deb)
cp "$deb" /root/
deb=/root/$(basename "$deb")
cd /root
if out=$(apt-get install -y "./$(basename "$deb")" 2>&1) && dpkg-query -W -f '${Status}' newsnotify | grep -q 'ok installed'; then
  result PASS apt-install "apt-get install ./$(basename "$deb") in $(elapsed "$T1")s; nodejs $(dpkg-query -W -f '${Version}' nodejs) from $(apt-cache policy nodejs | sed -n 's/^ *[0-9]* \(http[^ ]* [^ ]*\).*/\1/p' | head -n1), node $(node --version); $(bpftrace --version)"
else
  result FAIL apt-install "$(tail -n 5 <<<"$out")"
fi
cd /
echo "$out" | sed 's/^/  apt| /'
# A new installation starts nothing (packaging/deb/postinst): the admin enables it once the config
# is written, and the postinst said so.
if [[ $(systemctl is-enabled $UNIT 2>&1) == disabled && $(systemctl is-active $UNIT 2>&1) == inactive ]] &&
  grep -qF 'systemctl enable --now newsnotify' <<<"$out"; then
  result PASS not-started "after install: is-enabled disabled, is-active inactive; the postinst: $(grep -F 'neither enabled' <<<"$out")"
else
  result FAIL not-started "is-enabled $(systemctl is-enabled $UNIT 2>&1), is-active $(systemctl is-active $UNIT 2>&1)"
fi
if [[ $(stat -c '%a %U' /etc/newsnotify/newsnotify.yaml) == "640 root" && $(stat -c '%a' /var/lib/newsnotify) == 700 ]]; then
  result PASS file-modes "/etc/newsnotify/newsnotify.yaml 0640 root, /var/lib/newsnotify 0700"
else
  result FAIL file-modes "$(stat -c '%n %a %U' /etc/newsnotify/newsnotify.yaml /var/lib/newsnotify)"
fi

# --- the admin's first start: returns once READY=1 (bpftrace attached) ------------------------------------
# The shipped config as the admin's (it prints each article to the journal, which this lane reads).
T2=$(now)
if systemctl enable --now $UNIT && [[ $(prop ActiveState) == active && $(prop SubState) == running &&
  $(systemctl is-enabled $UNIT) == enabled ]]; then
  result PASS start "systemctl enable --now returned after $(elapsed "$T2")s; active (running), Type=$(prop Type), main PID $(prop MainPID)"
else
  result FAIL start "$(systemctl status $UNIT --no-pager 2>&1 | tail -n 15)"
fi
if journal_has "ready: "; then
  result PASS journal-ready "$(journal | grep -F 'ready: ' | tail -n1)"
else
  result FAIL journal-ready "no ready line in the journal"
fi
status=$(prop StatusText)
if [[ $status == *" mode, watching "* ]]; then
  result PASS status-ready "StatusText: $status"
else
  result FAIL status-ready "StatusText: '$status'"
fi
if journal | grep -q 'deprecated'; then
  result FAIL no-deprecation "$(journal | grep deprecated | head -n1)"
else
  result PASS no-deprecation "no deprecation warning from bpftrace in the journal"
fi

# --- an article ----------------------------------------------------------------------------------------
/usr/lib/news/bin/ctlinnd newgroup local.test y >/dev/null 2>&1 || true
post() { # post MESSAGE-ID SUBJECT
  printf 'From: Vm Test <vm@example.net>\nNewsgroups: local.test\nSubject: %s\nMessage-ID: %s\n\nbody\n' "$2" "$1" >/tmp/art
  post_article /tmp/art
}
ID1="<sd1.$(date +%s)@example.net>"
T3=$(now)
post "$ID1" "systemd lane one" >/dev/null
if wait_for 120 journal_has "$ID1"; then
  result PASS article "in the journal $(elapsed "$T3")s after inews: $(journal | grep -F "$ID1" | head -n1)"
else
  result FAIL article "$ID1 not in the journal after 120 s"
fi
status_counts() { [[ $(prop StatusText) == *"1 article(s) since start"* ]]; }
if wait_for 10 status_counts; then
  result PASS status-count "StatusText: $(prop StatusText)"
else
  result FAIL status-count "StatusText: $(prop StatusText)"
fi

# --- reload: SIGHUP, same process, new config read, nothing lost ---------------------------------------
# The new config turns the Prometheus endpoint on: it must be there after the reload (the file was read).
PID=$(prop MainPID)
readies=$(journal_count "ready: ")
printf '\nmetrics: { listen: "127.0.0.1:9464" }\n' >>/etc/newsnotify/newsnotify.yaml
T4=$(now)
if systemctl reload $UNIT && wait_for 180 bash -c "[[ \$(journalctl -u $UNIT -o cat | grep -cF 'ready: ') -gt $readies ]]"; then
  if [[ $(prop MainPID) == "$PID" && $(prop ActiveState) == active && $(prop NRestarts) == 0 ]]; then
    result PASS reload "ready again $(elapsed "$T4")s after systemctl reload; same main PID $PID, no restart; $(journal | grep -F 'SIGHUP' | tail -n1)"
  else
    result FAIL reload "main PID $PID → $(prop MainPID), $(prop ActiveState), NRestarts $(prop NRestarts)"
  fi
else
  result FAIL reload "no second ready line after systemctl reload: $(journal | tail -n 5)"
fi
ID2="<sd2.$(date +%s)@example.net>"
post "$ID2" "systemd lane two" >/dev/null
# The stop before the reload saved the catch-up marks past $ID1: the new run must not read it again.
if wait_for 120 journal_has "$ID2" && [[ $(journal_count "$ID1") -eq 1 ]] && ! journal_has "filed while unseen"; then
  result PASS article-after-reload "$ID2 notified; $ID1 once only, and not found again by catch-up"
else
  result FAIL article-after-reload "$ID2: $(journal_count "$ID2"), $ID1: $(journal_count "$ID1"); $(journal | grep -F 'filed while unseen')"
fi
# --- seeing that it works: `newsnotify status` and /metrics, from outside the service -----------------
# status reads the state directory the service writes (0700 root: as root here).
# The service writes status.json at most every 5 s: wait for it to name $ID2 rather than read it once
# (read at once, it named $ID1 in one run: the journal line comes before the next write).
status_names_id2() {
  st_out=$(newsnotify status -c /etc/newsnotify/newsnotify.yaml 2>&1) && st_rc=0 || st_rc=$?
  [[ $st_rc == 0 && $st_out == *"running: pid $PID"* && $st_out == *"last article"*"$ID2"* &&
    $st_out == *"last delivered"*"$ID2"* ]]
}
if wait_for 30 status_names_id2; then
  result PASS status-cli "newsnotify status: exit 0, the service's pid holds the lock, $ID2 last seen and delivered"
else
  result FAIL status-cli "exit $st_rc: $(tail -n 8 <<<"$st_out" | tr '\n' '|')"
fi
echo "$st_out" | sed 's/^/  status| /'
metrics=$(node -e 'fetch("http://127.0.0.1:9464/metrics").then(async (r) => { if (!r.ok) throw new Error(`HTTP ${r.status}`); process.stdout.write(await r.text()); }).catch((e) => { console.error(String(e)); process.exit(1); })' 2>&1) && m_rc=0 || m_rc=$?
if [[ $m_rc == 0 ]] && grep -Eq '^newsnotify_articles_seen_total\{source="(kprobe|tracepoint|uprobe)"\} [1-9]' <<<"$metrics" &&
  grep -Eq '^newsnotify_notifications_delivered_total\{.*\} [1-9]' <<<"$metrics" &&
  grep -Eq '^newsnotify_outbox_backlog\{.*\} 0$' <<<"$metrics"; then
  result PASS metrics "GET 127.0.0.1:9464/metrics after the reload: $(grep -E '^newsnotify_(articles_seen_total|notifications_delivered_total|delivery_latency_seconds_count)' <<<"$metrics" | tr '\n' ' ')"
else
  result FAIL metrics "exit $m_rc: $(head -c 600 <<<"$metrics")"
fi
grep -v '^#' <<<"$metrics" | grep -v '_bucket{' | sed 's/^/  metrics| /'

# A broken config on reload: reported, the running watch goes on.
cp /etc/newsnotify/newsnotify.yaml /tmp/good.yaml
echo 'mode: kporbe' >>/etc/newsnotify/newsnotify.yaml
systemctl reload $UNIT
if wait_for 60 journal_has "the config was not reloaded" && [[ $(prop MainPID) == "$PID" && $(prop ActiveState) == active ]]; then
  result PASS reload-bad-config "$(journal | grep -F 'not reloaded' | tail -n1)"
else
  result FAIL reload-bad-config "$(prop ActiveState), main PID $(prop MainPID); $(journal | tail -n 3)"
fi
cp /tmp/good.yaml /etc/newsnotify/newsnotify.yaml

# A failing notifier under journald: its lines carry sd-daemon priorities, so `journalctl -p warning`
# shows the failure and not the ready line or the articles.
sed -i 's|^notifiers:$|notifiers:\n  - {type: webhook, url: "http://127.0.0.1:9/hook"}|' /etc/newsnotify/newsnotify.yaml
readies=$(journal | grep -cF 'ready: ')
systemctl reload $UNIT
wait_for 180 bash -c "[[ \$(journalctl -u $UNIT -o cat | grep -cF 'ready: ') -gt $readies ]]" || true
ID3="<sd3.$(date +%s)@example.net>"
post "$ID3" "systemd lane three" >/dev/null
warnings() { journalctl -u "$UNIT" -p warning -o cat --no-pager 2>/dev/null; }
if wait_for 120 bash -c "journalctl -u $UNIT -p warning -o cat --no-pager | grep -qF 'attempt 1 failed'" &&
  ! warnings | grep -qF 'ready: ' && ! warnings | grep -qF "$ID3"; then
  result PASS journal-priority "journalctl -p warning: $(warnings | grep -F 'attempt 1 failed' | head -n1 | head -c 200); no ready line, no article"
else
  result FAIL journal-priority "journalctl -p warning: $(warnings | tail -n 4 | tr '\n' '|' | head -c 600)"
fi
cp /tmp/good.yaml /etc/newsnotify/newsnotify.yaml

# Below innd (the unit's Nice=, CPUWeight=, IOSchedulingClass=): what the running processes and
# their cgroup really got, for node and its bpftrace child alike.
cg=/sys/fs/cgroup$(cut -d: -f3 "/proc/$(prop MainPID)/cgroup")
prio_ok=1
prio=""
for p in $(cat "$cg/cgroup.procs"); do
  comm=$(cat "/proc/$p/comm" 2>/dev/null) || continue # gone meanwhile (a systemd-notify)
  ni=$(ps -o ni= -p "$p" | tr -d ' ')
  io=$(ionice -p "$p" 2>&1)
  [[ $p == "$(prop MainPID)" ]] && comm+=" (main)"
  prio+="$comm nice $ni, ionice $io; "
  [[ $ni == 10 && $io == idle ]] || prio_ok=0
done
if [[ $prio_ok == 1 && $prio == *"(main) nice"* && $prio == *"bpftrace nice"* && $(cat "$cg/cpu.weight") == 20 ]]; then
  result PASS unit-priority "${prio}cpu.weight $(cat "$cg/cpu.weight") (inn2.service: $(cat /sys/fs/cgroup/system.slice/inn2.service/cpu.weight 2>&1))"
else
  result FAIL unit-priority "${prio}cpu.weight $(cat "$cg/cpu.weight" 2>&1)"
fi

result INFO unit-usage "MemoryCurrent=$(prop MemoryCurrent) MemoryPeak=$(prop MemoryPeak) TasksCurrent=$(prop TasksCurrent) (limits MemoryMax=$(prop MemoryMax) TasksMax=$(prop TasksMax))"

# --- an upgrade (the same package again): an enabled service is restarted on the new files -------------
OLD=$(prop MainPID)
T6=$(now)
if out=$(apt-get install -y --reinstall "$deb" 2>&1) && [[ $(prop ActiveState) == active && $(prop MainPID) != "$OLD" &&
  $(systemctl is-enabled $UNIT) == enabled ]] && ! grep -qF 'neither enabled' <<<"$out"; then
  result PASS upgrade-restart "apt-get install --reinstall: restarted in $(elapsed "$T6")s, main PID $OLD → $(prop MainPID), still enabled"
else
  result FAIL upgrade-restart "$(prop ActiveState), main PID $OLD → $(prop MainPID), $(systemctl is-enabled $UNIT); $(tail -n 3 <<<"$out")"
fi

# --- stop ------------------------------------------------------------------------------------------------
T5=$(now)
systemctl stop $UNIT
code=$(prop ExecMainStatus)
if [[ $(prop Result) == success && $code == 0 ]] && ! pgrep -x bpftrace >/dev/null && journal_has "SIGTERM: stopping"; then
  result PASS stop "stopped in $(elapsed "$T5")s: Result=success, exit 0, no bpftrace left"
else
  result FAIL stop "Result=$(prop Result) exit=$code bpftrace=$(pgrep -x bpftrace | tr '\n' ' ') $(journal | tail -n 3)"
fi
journal | sed 's/^/  journal| /'

# --- systemd-analyze security: the unit as shipped, and the one before issue 13 ---------------------------
cp /proj/guest/newsnotify-before.service /etc/systemd/system/newsnotify-before.service
systemctl daemon-reload
for u in newsnotify-before newsnotify; do
  systemd-analyze security --no-pager $u.service 2>&1 | sed "s/^/  security-$u| /"
  score=$(systemd-analyze security --no-pager $u.service 2>&1 | sed -n 's/.*Overall exposure level for .*: //p')
  result INFO "security-$u" "${score:-unknown}"
done
rm -f /etc/systemd/system/newsnotify-before.service
systemctl daemon-reload
# Issue 23's limits, as systemd itself reads the unit: no mount(2) family, MemoryMax=, TasksMax=.
security=$(systemd-analyze security --no-pager $UNIT 2>&1)
filter=" $(prop SystemCallFilter) "
if [[ $filter == " ~"* && $filter == *" mount "* && $filter == *" umount2 "* && $filter == *" fsmount "* ]] &&
  grep -Eq '^✓ +SystemCallFilter=~@mount ' <<<"$security"; then
  result PASS unit-no-mount "SystemCallFilter denies mount, umount2, fsmount; $(grep -E 'SystemCallFilter=~@mount ' <<<"$security" | tr -s ' ')"
else
  result FAIL unit-no-mount "SystemCallFilter=$(prop SystemCallFilter | head -c 300); $(grep -E 'SystemCallFilter=~@mount' <<<"$security")"
fi
if [[ $(prop MemoryMax) == 536870912 && $(prop TasksMax) == 64 ]]; then
  result PASS unit-limits "MemoryMax=$(prop MemoryMax) TasksMax=$(prop TasksMax); the service ran the lane within them"
else
  result FAIL unit-limits "MemoryMax=$(prop MemoryMax) TasksMax=$(prop TasksMax)"
fi

[[ -e /proj/experiment ]] && bash /proj/guest/systemd-experiment.sh

result INFO timing "guest-total $(elapsed "$T0")s (uptime $(cut -d' ' -f1 /proc/uptime)s)"
echo "VMRESULT DONE"
trap - EXIT
poweroff_now
