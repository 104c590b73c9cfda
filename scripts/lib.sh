# shellcheck shell=bash
# Shared by scripts/setup.sh and scripts/test.sh: idempotent installs for Debian/Ubuntu.

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Root runs on; anyone else is taken through sudo, so that the README's commands work the same typed
# as root (a fresh Debian has no sudo) or as a user with sudo rights.
need_root() {
  [ "$(id -u)" = 0 ] && return 0
  command -v sudo >/dev/null ||
    die "run as root: it installs packages and bpftrace needs root (no sudo here: su -c '$0 $*')"
  log "not root: running again through sudo"
  exec sudo -- "$0" "$@"
}

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# need_node MAJOR: Node.js >= MAJOR and npm. Debian's own nodejs and npm are installed if missing
# (Debian 12: 18.20, Debian 13: 20.19); where Debian's is too old for MAJOR, it says what to do.
need_node() {
  local min=${1:-20}
  if ! command -v node >/dev/null || [ "$(node_major)" -lt "$min" ]; then
    local candidate
    apt_update_once
    candidate=$(apt-cache policy nodejs 2>/dev/null | sed -n 's/^ *Candidate: *\([0-9]*\).*/\1/p')
    if [ "${candidate:-0}" -ge "$min" ] 2>/dev/null; then
      apt_install nodejs npm
    else
      die "Node.js >= $min is needed$(command -v node >/dev/null && echo ", found $(node --version)"), and this system's nodejs package is ${candidate:-not available}${candidate:+.x}.
  $(need_node_why "$min")"
    fi
  fi
  # Debian's npm is a separate package (NodeSource's nodejs has npm inside).
  command -v npm >/dev/null || apt_install npm
  [ "$(node_major)" -ge "$min" ] || die "Node.js >= $min is needed, found $(node --version)"
}

need_node_why() {
  case $1 in
    20) echo "The test suite's runner needs it: vitest 3 runs on vite 7, which declares node ^20.19.
  Run the tests on Debian 13 (its own nodejs is 20), or with Node.js 20 from elsewhere on Debian 12;
  newsnotify itself runs on Debian 12's nodejs 18 (scripts/setup.sh, or the .deb: README, Install)." ;;
    *) echo "newsnotify runs on Debian 12's nodejs 18.20 and Debian 13's 20.19." ;;
  esac
}

APT_UPDATED=
apt_update_once() {
  if [ -z "$APT_UPDATED" ]; then
    log "apt-get update"
    apt-get update -qq
    APT_UPDATED=1
  fi
}

apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt_update_once
  apt-get install -y -qq "${missing[@]}" >/dev/null
}

# nothing_replaced PKG...: stops before anything is installed if installing the missing ones would
# remove an installed package (exim4-daemon-light and an installed postfix both provide
# mail-transport-agent and conflict: apt would remove postfix). Asks apt for a simulation (-s) only.
nothing_replaced() {
  local missing=() p sim removed
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  apt_update_once
  sim=$(LC_ALL=C apt-get install -s -y "${missing[@]}" 2>&1) ||
    die "apt-get cannot install ${missing[*]} here; nothing was installed:
$sim"
  removed=$(printf '%s\n' "$sim" | sed -n 's/^Remv \([^ ]*\).*/\1/p' | paste -sd' ' -)
  [ -z "$removed" ] || die "installing ${missing[*]} would remove ${removed} from this machine; nothing was installed or removed.
  $0 never replaces what a machine has (exim4-daemon-light, the SMTP server the email tests start,
  conflicts with any other MTA, postfix included). Run it on a test machine without ${removed}."
}

# Installs packages without starting their services: of prometheus only promtool is wanted (the
# tests validate /metrics with it), not a Prometheus server on :9090.
apt_install_no_start() {
  local policy=/usr/sbin/policy-rc.d made=
  if [ ! -e $policy ]; then
    printf '#!/bin/sh\nexit 101\n' >$policy && chmod 755 $policy && made=1
  fi
  local rc=0
  apt_install "$@" || rc=$?
  [ -n "$made" ] && rm -f $policy
  return $rc
}

# inn2's post-install fails where the hostname is not a FQDN (seen on CI machines): give it a
# domain and a server, then let dpkg finish.
install_inn() {
  if ! dpkg -s inn2 >/dev/null 2>&1 || [ ! -x /usr/lib/news/bin/innd ]; then
    log "apt-get install inn2"
    export DEBIAN_FRONTEND=noninteractive
    apt_update_once
    apt-get install -y -qq inn2 >/dev/null 2>&1 || true
  fi
  local conf=/etc/news/inn.conf
  [ -f "$conf" ] || die "inn2 did not install ($conf missing)"
  grep -q '^domain:' "$conf" || sed -i 's/^#domain:.*/domain: example.net/' "$conf"
  grep -q '^server:' "$conf" || sed -i 's/^#server:.*/server: localhost/' "$conf"
  dpkg --configure -a >/dev/null 2>&1 || dpkg --configure -a
  dpkg -s inn2 | grep -q '^Status: install ok installed' || die "inn2 is not configured (dpkg --configure -a)"
}

node_deps() {
  local here=$1
  if [ ! -d "$here/node_modules" ] || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
    log "npm ci"
    (cd "$here" && npm ci --no-audit --no-fund)
  else
    log "npm run build"
    (cd "$here" && npm run --silent build)
  fi
}

mount_tracing() {
  mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing
  mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null || true
}

# Removes a tree that a chroot or a test may have mounted things inside (proc, sys, a bound /dev):
# unmounts everything under it first, deepest first, refuses if anything is still mounted, and
# removes on the tree's own filesystem only (a bound /dev removed by a plain recursive rm takes the
# machine's device nodes with it).
mounts_under() {
  findmnt -rn -o TARGET | awk -v t="$1" '$0 == t || index($0, t "/") == 1'
}
rm_tree() {
  local t
  for t in "$@"; do
    [ -e "$t" ] || continue
    t=$(realpath "$t")
    mounts_under "$t" | sort -r | while read -r m; do umount -l "$m" || true; done
    if [ -n "$(mounts_under "$t")" ]; then
      die "something is still mounted under $t: not removing it"
    fi
    rm -rf --one-file-system "$t"
  done
}
