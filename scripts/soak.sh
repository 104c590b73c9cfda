#!/usr/bin/env bash
# soak.sh — newsnotify's soak (issue 14): 100,000 articles into a private innd over ~30 minutes in
# waves, the webhook receiver down twice, bpftrace SIGKILLed once; writes bench/results/soak-*.
# Not part of CI (too long). Run it alone on the machine (it is CPU-heavy for half an hour).
#
# USAGE: sudo scripts/soak.sh [--articles 100000] [--minutes 30] [--label NAME]   (see bench/soak.mjs)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$here/scripts/lib.sh"

need_root "$@"
need_node
apt_install bpftrace
install_inn
node_deps "$here"
mount_tracing
(cd "$here" && npm run --silent build)
exec node "$here/bench/soak.mjs" "$@"
