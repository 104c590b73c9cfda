#!/usr/bin/env bash
# quickstart-chroot.sh — the README's quick start, typed verbatim, on a fresh Debian (12 or 13) made
# by debootstrap for the occasion: a chroot on this host, no sudo, no node (Debian 13) or only
# Debian's node 18 path (Debian 12), and INN installed the way an admin has it.
#
# USAGE: test/vm/quickstart-chroot.sh SUITE     (as root; SUITE bookworm or trixie; a few minutes,
#                                                under flock /tmp/nn-cpu.lock on a shared machine)
#   1. debootstrap --variant=minbase SUITE (no cache: fresh is the point); inn2 with its post-install
#      fix; on Debian 12 the NodeSource stand-in (test/vm/nodejs-deb.sh: a nodejs 20 package, what
#      the README asks Debian 12 users to install first); a git clone of this checkout's HEAD.
#   2. As root, in the chroot, from the clone: `scripts/setup.sh watch` — verbatim. It must install
#      what is missing (Debian 13: nodejs and npm), build, and print `ready:`; then an article posted
#      with inews must come out as a line; then SIGTERM.
#   3. As a user with sudo rights: `scripts/setup.sh` — verbatim: it must run itself through sudo.
# innd runs in its own network namespace (the host's innd has 127.0.0.1:119); newsnotify traces the
# kernel, so it sees the chroot's innd all the same (tracepoint mode on a kernel without kprobes).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
proj=$(cd "$here/../.." && pwd)
# rm_tree, mounts_under: unmount under a tree, then remove it on one filesystem only.
# shellcheck source=../../scripts/lib.sh
. "$proj/scripts/lib.sh"
suite=${1:?usage: quickstart-chroot.sh bookworm|trixie}
mirror=${VM_MIRROR:-http://deb.debian.org/debian}
root=/var/tmp/newsnotify-quickstart-$suite
log=/var/tmp/newsnotify-quickstart-$suite.log
say() { printf '[quickstart %s] %s\n' "$suite" "$*"; }
fail() { say "FAIL: $*"; exit 1; }
t0=$(date +%s)
secs() { echo $(($(date +%s) - $1)); }

innd_pid=
unmount_all() {
  [[ -z $innd_pid ]] || kill "$innd_pid" 2>/dev/null || true
  # Every process whose root is the chroot (innd, newsnotify, bpftrace) goes first.
  for p in /proc/[0-9]*; do
    [[ $(readlink "$p/root" 2>/dev/null) == "$root" ]] && kill -TERM "${p#/proc/}" 2>/dev/null || true
  done
  sleep 2
  mounts_under "$root" | sort -r | while read -r m; do umount -l "$m" || true; done
  return 0
}
trap unmount_all EXIT
unmount_all
rm_tree "$root"

say "debootstrap --variant=minbase $suite"
debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$log" 2>&1 || fail "debootstrap (see $log)"
say "debootstrap: $(secs "$t0") s"
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --make-rslave "$root/sys"
mount --bind /dev "$root/dev"
mount -t devpts devpts "$root/dev/pts" 2>/dev/null || true
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=dumb "$@"; }

# The admin's INN (not the quick start's business), installed without starting anything.
say "inn2 (the news server the quick start watches)"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
in_root apt-get update >>"$log" 2>&1
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends inn2 >>"$log" 2>&1 || true
sed -i 's/^#domain:.*/domain: example.net/; s/^#server:.*/server: localhost/' "$root/etc/news/inn.conf"
in_root dpkg --configure -a >>"$log" 2>&1 || fail "inn2 did not configure (see $log)"
rm -f "$root/usr/sbin/policy-rc.d"
if [[ $suite == bookworm ]]; then
  # README, Debian 12: "install NodeSource's nodejs 20 package first" (it depends on ca-certificates).
  deb=$("$here/nodejs-deb.sh" "$root/tmp")
  in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "/tmp/${deb##*/}" ca-certificates >>"$log" 2>&1 ||
    fail "nodejs 20 stand-in (see $log)"
fi
git clone -q "$proj" "$root/root/newsnotify"
say "fresh $suite ready after $(secs "$t0") s: $(in_root sh -c 'command -v node sudo npm bpftrace' | tr '\n' ' ')(node, sudo, npm, bpftrace found)"

# innd in its own network namespace, as news.
mkdir -p "$root/run/news"
in_root chown news:news /run/news
unshare --net --fork sh -c "ip link set lo up; exec chroot '$root' /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin su news -s /bin/sh -c '/usr/lib/news/bin/rc.news >/dev/null 2>&1; sleep 100000'" </dev/null >/dev/null 2>&1 &
innd_pid=$!
sleep 3
netns_pid=$(pgrep -P "$innd_pid" | head -n1)
in_innd_net() { nsenter --net="/proc/$netns_pid/ns/net" chroot "$root" "$@"; }
for _ in $(seq 1 60); do
  in_innd_net /usr/lib/news/bin/ctlinnd mode 2>/dev/null | grep -q 'running' && break
  sleep 1
done
in_innd_net /usr/lib/news/bin/ctlinnd newgroup local.test y >/dev/null 2>&1 || true

# 2. Verbatim, as root: the first quick-start command.
out=/var/tmp/newsnotify-quickstart-$suite.watch
say "as root, in /root/newsnotify: scripts/setup.sh watch"
t1=$(date +%s)
in_root bash -c 'cd /root/newsnotify && scripts/setup.sh watch' >"$out" 2>&1 &
setup_pid=$!
for _ in $(seq 1 1800); do
  grep -q 'ready: ' "$out" && break
  kill -0 "$setup_pid" 2>/dev/null || break
  sleep 1
done
grep -q 'ready: ' "$out" || { tail -n 30 "$out"; fail "no ready line"; }
say "ready after $(secs "$t1") s: $(grep 'ready: ' "$out" | head -n1)"
id="<quickstart.$suite.$(date +%s)@example.net>"
printf 'From: Quick Start <qs@example.net>\nNewsgroups: local.test\nSubject: quick start on %s\nMessage-ID: %s\n\nhello\n' "$suite" "$id" |
  in_innd_net inews -h >/dev/null 2>&1 || fail "inews"
for _ in $(seq 1 120); do grep -qF "$id" "$out" && break; sleep 1; done
grep -qF "$id" "$out" || { tail -n 20 "$out"; fail "the article did not come out"; }
say "article: $(grep -F "$id" "$out")"
for p in /proc/[0-9]*; do
  [[ $(readlink "$p/root" 2>/dev/null) == "$root" && $(cat "$p/comm" 2>/dev/null) == node ]] && kill -TERM "${p#/proc/}"
done
wait "$setup_pid" && rc=0 || rc=$?
say "SIGTERM: exit $rc; its output:"
sed 's/^/    | /' "$out"

# 3. Verbatim, as a user with sudo rights: it goes through sudo by itself.
say "as user 'admin' (sudo rights, NOPASSWD), in a copy of the clone: scripts/setup.sh"
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sudo >>"$log" 2>&1
in_root useradd -m -G sudo admin
echo 'admin ALL=(ALL) NOPASSWD: ALL' >"$root/etc/sudoers.d/admin"
chmod 440 "$root/etc/sudoers.d/admin"
cp -a "$root/root/newsnotify" "$root/home/admin/newsnotify"
in_root chown -R admin: /home/admin/newsnotify
in_root su - admin -c 'cd newsnotify && scripts/setup.sh' >"$out.sudo" 2>&1 || { tail "$out.sudo"; fail "setup.sh as a sudo user"; }
grep -q 'running again through sudo' "$out.sudo" && grep -q '==> ready' "$out.sudo" ||
  { tail "$out.sudo"; fail "setup.sh as a sudo user did not go through sudo to ready"; }
sed 's/^/    | /' "$out.sudo"

say "PASSED in $(secs "$t0") s"
