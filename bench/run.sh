#!/usr/bin/env bash
# run.sh — the benchmark from a fresh clone, in one command (Debian/Ubuntu, as root):
# installs what it needs (bpftrace, inotify-tools, inn2, bpftool for the BPF programs' names in the
# report; npm ci), mounts tracefs, then runs
# bench/run.mjs with the given options. innd itself is not started or touched: the bench runs a
# private instance of its own (see bench/lib/inn.mjs).
#
# USAGE: sudo bench/run.sh [--articles 2000] [--rate 0] [--baseline] ...   (see bench/run.mjs)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$here/scripts/lib.sh"

need_root "$@"
need_node
apt_install bpftrace inotify-tools bpftool
install_inn
node_deps "$here"
mount_tracing
exec node "$here/bench/run.mjs" "$@"
