#!/usr/bin/env bash
# setup.sh — install what newsnotify needs on Debian/Ubuntu, build it, and optionally run it.
#
# USAGE: scripts/setup.sh            install bpftrace, npm dependencies, build
#        scripts/setup.sh watch ...  the same, then run `newsnotify watch ...` in the foreground
#
# As root, or as a user with sudo rights (it runs itself again through sudo). Debian's own nodejs and
# npm are installed if missing: 18.20 on Debian 12, 20.19 on Debian 13 (both tested).
# It does not install or touch INN: newsnotify watches the innd you already run.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$here/scripts/lib.sh"

need_root "$@"
need_node 18
apt_install bpftrace
node_deps "$here"
log "ready: $here/bin/newsnotify (try: $here/bin/newsnotify doctor)"
if [ $# -gt 0 ]; then exec "$here/bin/newsnotify" "$@"; fi
