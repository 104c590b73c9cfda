#!/usr/bin/env bash
# run.sh — the VM test lanes, on a stock Debian kernel under qemu, which the dev/CI machines (no
# kprobes, lockdown, no systemd as PID 1) cannot give. Issues 3 and 13.
#   kprobe lane:  newsnotify's kprobe mode (and auto), then the uprobe source with CNFS and timecaf
#                 (guest/scenario-uprobe.mjs), through the real CLI, init=/sbin/vm-init.
#   systemd lane: the project's .deb installed in a guest booted with systemd as PID 1: start, an
#                 article in the journal, reload, stop, systemd-analyze security (guest/systemd-test.sh).
#
# Usage:   test/vm/run.sh [--suite bookworm|trixie] [--lane kprobe|systemd] [--raw-only] [--experiment]
#                        (as root, from anywhere; the project must be built: dist/cli.js present,
#                        node_modules installed)
#   --suite S         Debian 12 (bookworm, default: kernel 6.1, bpftrace 0.17, Debian's own nodejs 18)
#                     or 13 (trixie: kernel 6.12, bpftrace 0.23, Debian's own nodejs 20)
#   --lane L          kprobe (default) or systemd
#   --raw-only        kprobe lane: boot and run only the kernel/bpftrace/innd checks (no project code)
#   --experiment      systemd lane: also the capability and systemd-notify measurements (INFO only)
#   --only NAME       kprobe lane: after the kernel facts and innd, run only guest/NAME.sh (a focused
#                     experiment, e.g. kprobe-depth); passes when it reports no FAIL
#   VM_TIMEOUT=secs   hard limit for the VM run (default 1800; a normal run takes 5-15 min: the
#                     systemd lane's apt install of Debian's nodejs alone took 394 s at load 11)
#   VM_KEEP=1         keep the per-run project disk in test/vm/.cache/last-run/
#
# What it does:
#   1. build-image.sh: Debian image (kernel, initrd, ext4 rootfs) from cache, or built from scratch.
#   2. Stages the project (bin/ dist/ node_modules/ package.json scripts/) and guest/
#      into a small ext4 disk (mke2fs -d, no mount), attached read-only: the image never holds project
#      code, so it stays cached while the project changes.
#   3. Boots qemu (TCG: KVM hangs on these machines) with the root disk in snapshot mode (the cached
#      image is never written); guest/init.sh runs the checks and powers off.
#   4. Parses `VMRESULT <PASS|FAIL|INFO|SKIP> <case> ...` lines from the serial console.
# Output:  live result lines, then a summary with timings. Full console: test/vm/.cache/last-run/console.log
# Exit:    0 only if every expected case reported PASS and the guest reached `VMRESULT DONE`.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CACHE="$HERE/.cache"
RAW_ONLY=0
SUITE=bookworm
LANE=kprobe
EXPERIMENT=0
ONLY=
while [[ $# -gt 0 ]]; do
  case $1 in
    --raw-only) RAW_ONLY=1 ;;
    --experiment) EXPERIMENT=1 ;;
    --only) ONLY=${2:?}; shift ;;
    --suite) SUITE=${2:?}; shift ;;
    --lane) LANE=${2:?}; shift ;;
    *) printf '[vm] unknown argument %s (see the header of %s)\n' "$1" "$0" >&2; exit 2 ;;
  esac
  shift
done
case "$SUITE/$LANE" in bookworm/kprobe | bookworm/systemd | trixie/kprobe | trixie/systemd) ;;
  *) printf '[vm] --suite bookworm|trixie, --lane kprobe|systemd\n' >&2; exit 2 ;; esac
VM_TIMEOUT="${VM_TIMEOUT:-1800}"

say() { printf '[vm] %s\n' "$*"; }
# rm_tree: unmount under a tree, then remove it on one filesystem only.
# shellcheck source=../../scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
die() { printf '[vm] ERROR: %s\n' "$*" >&2; exit 1; }
clock() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# Cases every run must report as PASS; a case that silently goes missing is a failure too.
REQUIRED_RAW=(kernel-release kernel-kprobes kernel-lockdown kernel-btf innd-start raw-attach
  raw-vfs_create-arg2 raw-sic-via-vfs_create raw-sic-innd)
REQUIRED_CLI=()
for mode in kprobe auto; do
  REQUIRED_CLI+=("$mode/ready" "$mode/a-plain" "$mode/b-crosspost-9-levels" "$mode/d-new-deep-group" "$mode/one-bpftrace"
    "$mode/e-no-foreign-or-outside" "$mode/one-post-per-article" "$mode/sigterm")
done
REQUIRED_CLI+=(auto/chose-kprobe auto/c-spool-own-fs scenario-complete raw-generated-kprobe)
# The uprobe source (issue 11, guest/scenario-uprobe.mjs): CNFS, timecaf and tradspool articles.
REQUIRED_CLI+=(uprobe-storage-conf uprobe-auto/chose-uprobe uprobe-complete)
for mode in auto uprobe; do
  for c in ready cnfs timecaf tradspool one-post-per-article sigterm; do REQUIRED_CLI+=("uprobe-$mode/$c"); done
done
REQUIRED_SYSTEMD=(systemd-pid1 innd-active apt-install not-started file-modes start journal-ready
  status-ready no-deprecation article status-count reload article-after-reload status-cli metrics
  reload-bad-config journal-priority unit-priority upgrade-restart stop unit-no-mount unit-limits)

[[ $EUID -eq 0 ]] || die "run as root (debootstrap/chroot for the image build)"
for tool in qemu-system-x86_64 mke2fs timeout awk; do
  command -v "$tool" >/dev/null || die "missing tool: $tool (apt-get install qemu-system-x86 e2fsprogs)"
done
if [[ $RAW_ONLY -eq 0 && $LANE == kprobe ]]; then
  [[ -f "$ROOT/dist/cli.js" ]] || die "project not built ($ROOT/dist/cli.js missing): run 'npm run build' first, or use --raw-only"
  [[ -d "$ROOT/node_modules" ]] || die "no $ROOT/node_modules: run 'npm ci' first"
fi

T_START=$(clock)

# --- 1. image --------------------------------------------------------------------------------------------
KEY="$("$HERE/build-image.sh" "$SUITE" --key)"
say "$SUITE/$LANE lane; image: key $KEY"
T0=$(clock)
HIT=0
[[ -f "${NEWSNOTIFY_VM_CACHE:-/var/cache/newsnotify-vm}/image-$SUITE-$KEY/COMPLETE" ]] && HIT=1
IMG="$("$HERE/build-image.sh" "$SUITE" | tail -n1)"
T_IMAGE=$(secs "$T0" "$(clock)")
[[ $HIT -eq 1 ]] && IMAGE_NOTE="cache hit, ${T_IMAGE}s" || IMAGE_NOTE="built from scratch, ${T_IMAGE}s"
say "image: $IMAGE_NOTE; kernel $(cat "$IMG/kernel-release")"

# --- 2. per-run project disk ----------------------------------------------------------------------------
mkdir -p "$CACHE"
RUN="$(mktemp -d "$CACHE/run-$SUITE-$LANE.XXXXXX")"
trap 'rm_tree "$RUN/stage"' EXIT
T0=$(clock)
STAGE="$RUN/stage"
mkdir -p "$STAGE"
# Hard links where possible (same filesystem): staging 160 MB of node_modules then costs nothing.
copy() { cp -al "$@" 2>/dev/null || cp -a "$@"; }
if [[ $LANE == systemd ]]; then
  # What a user installs: the package built from this tree (its nodejs comes from the image's apt).
  "$ROOT/scripts/build-deb.sh" "$STAGE/debs" >/dev/null
  [[ $EXPERIMENT -eq 1 ]] && touch "$STAGE/experiment"
elif [[ $RAW_ONLY -eq 0 ]]; then
  for item in bin dist node_modules package.json scripts; do
    [[ -e "$ROOT/$item" ]] && copy "$ROOT/$item" "$STAGE/"
  done
fi
cp -a "$HERE/guest" "$STAGE/guest"
echo "$SUITE" >"$STAGE/suite"
if [[ -n $ONLY ]]; then
  [[ -f "$HERE/guest/$ONLY.sh" ]] || die "--only $ONLY: no guest/$ONLY.sh"
  echo "$ONLY" >"$STAGE/only"
fi
size_mb=$(( $(du -sm "$STAGE" | cut -f1) * 13 / 10 + 64 ))
mke2fs -q -F -t ext4 -L vmproj -d "$STAGE" "$RUN/project.img" "${size_mb}M" >/dev/null
rm_tree "$STAGE"
T_DISK=$(secs "$T0" "$(clock)")
say "project disk: ${size_mb} MB in ${T_DISK}s$([[ $RAW_ONLY -eq 1 ]] && echo ' (raw-only: no project code)')"

# --- 3. boot and run --------------------------------------------------------------------------------------
CONSOLE="$RUN/console.log"
if [[ $LANE == systemd ]]; then
  # systemd as PID 1; vmtest.service (in the image) runs guest/systemd-test.sh from the project disk.
  APPEND="console=ttyS0 root=/dev/vda rw panic=-1 systemd.wants=vmtest.service systemd.show_status=0 loglevel=3"
else
  APPEND="console=ttyS0 root=/dev/vda rw init=/sbin/vm-init panic=-1"
fi
say "booting qemu (TCG, 2 vCPU, 2 GiB), timeout ${VM_TIMEOUT}s ..."
T_BOOT0=$(clock)
set +e
# stdin from /dev/null: with -nographic qemu would otherwise treat the CI's stdin as its monitor.
timeout --kill-after=10 "$VM_TIMEOUT" qemu-system-x86_64 \
  -accel tcg -cpu max -m 2048 -smp 2 -nographic -no-reboot \
  -kernel "$IMG/vmlinuz" -initrd "$IMG/initrd.img" \
  -drive "file=$IMG/rootfs.img,format=raw,if=virtio,snapshot=on" \
  -drive "file=$RUN/project.img,format=raw,if=virtio,readonly=on" \
  -append "$APPEND" \
  </dev/null 2>&1 | while IFS= read -r line; do
    # Line by line, unbuffered (a tr/tee pipeline would hold output back in 4 KB blocks).
    line="${line%$'\r'}"
    printf '%s\n' "$line" >>"$CONSOLE"
    case "$line" in
      "VMRESULT INFO boot "*) clock >"$RUN/t_init"; printf '[vm] %s\n' "${line#VMRESULT }" ;;
      VMRESULT*) printf '[vm] %s\n' "${line#VMRESULT }" ;;
    esac
  done
QEMU_RC=${PIPESTATUS[0]}
set -e
T_END=$(clock)

# Boot and test times from the console: the first result line is printed as soon as init starts.
BOOT_UPTIME="$(sed -n 's/^VMRESULT INFO boot kernel up \([0-9.]*\)s.*/\1/p' "$CONSOLE" | head -n1)"
GUEST_TOTAL="$(sed -n 's/^VMRESULT INFO timing guest-total \([0-9.]*\)s.*/\1/p' "$CONSOLE" | head -n1)"
T_QEMU=$(secs "$T_BOOT0" "$T_END")
# Host-side boot time: qemu start (firmware, kernel, initramfs) to the guest init's first line.
T_BOOT="?"
[[ -f "$RUN/t_init" ]] && T_BOOT=$(secs "$T_BOOT0" "$(cat "$RUN/t_init")")

# --- 4. verdict -------------------------------------------------------------------------------------------
declare -A STATUS=()
while read -r _ st name _; do
  # First FAIL wins over a later PASS for the same name.
  [[ "${STATUS[$name]:-}" == FAIL ]] || STATUS[$name]="$st"
done < <(grep -E '^VMRESULT (PASS|FAIL|SKIP|INFO) ' "$CONSOLE" || true)

problems=()
[[ $QEMU_RC -eq 0 ]] || problems+=("qemu exited $QEMU_RC$([[ $QEMU_RC -eq 124 ]] && echo " (timeout ${VM_TIMEOUT}s)")")
grep -q '^VMRESULT DONE' "$CONSOLE" || problems+=("guest never printed VMRESULT DONE")
for name in "${!STATUS[@]}"; do
  [[ "${STATUS[$name]}" == FAIL ]] && problems+=("FAIL $name")
done
if [[ $LANE == systemd ]]; then
  required=("${REQUIRED_SYSTEMD[@]}")
else
  required=("${REQUIRED_RAW[@]}")
  [[ $RAW_ONLY -eq 1 || -n $ONLY ]] || required+=("${REQUIRED_CLI[@]}")
  [[ -z $ONLY ]] || required=(kernel-release innd-start)
fi
for name in "${required[@]}"; do
  st="${STATUS[$name]:-missing}"
  [[ "$st" == PASS || "$st" == FAIL ]] || problems+=("case $name: $st")
done

LAST="$CACHE/last-run-$SUITE-$LANE"
rm_tree "$LAST"
[[ "${VM_KEEP:-0}" == 1 ]] || rm -f "$RUN/project.img"
mv "$RUN" "$LAST"
CONSOLE="$LAST/console.log"

n_pass=$(grep -c '^VMRESULT PASS ' "$CONSOLE" || true)
n_fail=$(grep -c '^VMRESULT FAIL ' "$CONSOLE" || true)
echo
say "================ VM lane summary: $SUITE/$LANE ================"
say "guest kernel:  $(cat "$IMG/kernel-release") ($SUITE)"
say "image:         $IMAGE_NOTE"
say "project disk:  ${T_DISK}s"
say "boot:          ${T_BOOT}s qemu start -> guest init (kernel uptime then: ${BOOT_UPTIME:-?}s)"
say "guest tests:   ${GUEST_TOTAL:-?}s (init start -> done)"
grep -E '^VMRESULT INFO timing ' "$CONSOLE" | sed 's/^VMRESULT INFO timing /[vm]   /' || true
say "qemu total:    ${T_QEMU}s"
say "lane total:    $(secs "$T_START" "$(clock)")s"
say "results:       $n_pass PASS, $n_fail FAIL$([[ $RAW_ONLY -eq 1 ]] && echo ' (raw-only)')"
say "console:       $CONSOLE"
if [[ ${#problems[@]} -gt 0 ]]; then
  say "LANE FAILED:"
  for p in "${problems[@]}"; do say "  - $p"; done
  say "last 60 console lines:"
  tail -n 60 "$CONSOLE" | sed 's/^/[vm]   | /'
  exit 1
fi
say "LANE PASSED"
