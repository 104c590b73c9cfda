#!/bin/sh
# capture-storage-fixtures.sh - real tokens and uprobe/smstore output from the local innd with groups
# mapped to all four storage methods (scripts/capture-storage-fixtures.ts says what and where).
#
# USAGE: sudo scripts/capture-storage-fixtures.sh   (innd installed; bpftrace; uprobes on this kernel)
#
# Runs under flock /tmp/nn-innd.lock (innd is shared); restarts innd twice (setup, restore) and puts
# storage.conf and cycbuff.conf back even when it fails.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "capture-storage-fixtures: run as root" >&2; exit 1; }
cd "$root"
exec flock /tmp/nn-innd.lock npx vite-node scripts/capture-storage-fixtures.ts
