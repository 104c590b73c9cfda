# shellcheck shell=bash
# Shared by scripts/setup.sh and scripts/test.sh: idempotent installs for Debian/Ubuntu.

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

need_root() {
  [ "$(id -u)" = 0 ] || die "run as root (sudo $0 $*): it installs packages and bpftrace needs root"
}

need_node() {
  command -v node >/dev/null || die "Node.js >= 20 is needed (Debian 12's nodejs is 18: use NodeSource or nodejs.org)"
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || die "Node.js >= 20 is needed, found $(node --version)"
}

APT_UPDATED=
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "$APT_UPDATED" ]; then apt-get update -qq; APT_UPDATED=1; fi
  apt-get install -y -qq "${missing[@]}" >/dev/null
}

# inn2's post-install fails where the hostname is not a FQDN (seen on CI machines): give it a
# domain and a server, then let dpkg finish.
install_inn() {
  if ! dpkg -s inn2 >/dev/null 2>&1 || [ ! -x /usr/lib/news/bin/innd ]; then
    log "apt-get install inn2"
    export DEBIAN_FRONTEND=noninteractive
    if [ -z "$APT_UPDATED" ]; then apt-get update -qq; APT_UPDATED=1; fi
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
