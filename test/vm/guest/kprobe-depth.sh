#!/bin/bash
# guest/kprobe-depth.sh — a focused experiment (run.sh --only kprobe-depth): the generated kprobe
# program at several unroll depths under this guest's bpftrace, and the time between bpftrace's
# `attached_probes` line and its probes really firing (guest/kprobe-depth.mjs). KDEPTHS overrides
# the depths. Needs dist/ on the project disk (the program comes from the real generator).
set -uo pipefail
. /proj/guest/lib.sh
node /proj/guest/kprobe-depth.mjs ${KDEPTHS:-18 22 25 30 40} || result FAIL kprobe-depth "kprobe-depth.mjs exited $?"
exit 0
