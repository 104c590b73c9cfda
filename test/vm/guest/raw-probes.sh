#!/bin/bash
# guest/raw-probes.sh — kernel facts the kprobe mode depends on, checked with plain bpftrace (no project
# code), so a failure here points at the kernel/tooling and not at newsnotify. Run by guest/init.sh with
# innd already running. Prints VMRESULT lines (see lib.sh).
#
#   raw-vfs_create-arg2        on 6.1 vfs_create(mnt_userns, dir, dentry, mode, excl): arg2 is the dentry.
#                              Triggered by mknod(2) with S_IFREG (do_mknodat -> vfs_create), done from
#                              perl-base's syscall() since no packaged tool mknods a regular file.
#   raw-sic-innd               security_inode_create(dir, dentry, mode) fires when innd files an article;
#                              walking d_parent from arg1 gives the spool path.
#   raw-vfs_create-innd        INFO: whether vfs_create fired for innd (PLATFORM.md: it does not, since
#                              open(O_CREAT) stopped going through vfs_create around 4.8).
set -uo pipefail
. /proj/guest/lib.sh

OUT=/tmp/raw-probes.out
PROG=/tmp/raw-probes.bt
GROUP=raw.probe.check
MARKER=/var/tmp/vfs-create-probe   # on the root fs, so the walk shows var/tmp

cat >"$PROG" <<'EOF'
BEGIN { printf("RAW READY\n"); }

kprobe:vfs_create
{
  $d = (struct dentry *)arg2;
  printf("RAW vfs_create comm=%s name=%s parent=%s\n", comm, str($d->d_name.name),
         str($d->d_parent->d_name.name));
}

// Only innd and the perl trigger: the rest of the system (bash, systemd-less init) is noise here.
kprobe:security_inode_create /comm == "innd" || comm == "perl"/
{
  $d = (struct dentry *)arg1;
  // One printf per level keeps each str() in its own event (bpftrace 0.17 puts printf args on the
  // 512-byte BPF stack). Walk stops at the filesystem root, whose d_parent is itself.
  printf("RAW sic comm=%s pid=%d chain=%s", comm, pid, str($d->d_name.name));
  unroll(14) {
    if ($d != $d->d_parent) {
      $d = $d->d_parent;
      printf("<%s", str($d->d_name.name));
    }
  }
  printf("\n");
}
EOF

T0=$(now)
# BEGIN runs before the probes are attached; bpftrace prints this marker (stderr or stdout, by
# version) once they are: the moment the checks below may start (see src/sources/bpftrace.ts).
__BPFTRACE_NOTIFY_PROBES_ATTACHED=1 bpftrace -B line "$PROG" >"$OUT" 2>&1 &
BT=$!
ready=0
for _ in $(seq 1 600); do
  grep -q '^__BPFTRACE_NOTIFY_PROBES_ATTACHED' "$OUT" && { ready=1; break; }
  kill -0 "$BT" 2>/dev/null || break
  sleep 0.2
done
if [[ $ready -ne 1 ]]; then
  result FAIL raw-attach "bpftrace did not attach kprobes: $(tr '\n' ' ' <"$OUT" | cut -c1-600)"
  kill -INT "$BT" 2>/dev/null
  wait "$BT" 2>/dev/null
  exit 0
fi
result PASS raw-attach "kprobe:vfs_create + kprobe:security_inode_create attached in $(elapsed "$T0")s (compile+attach under TCG)"

# 1. vfs_create via mknod(2) S_IFREG. 133 = SYS_mknod on x86_64; 0100644 = S_IFREG|0644 (perl octal).
rm -f "$MARKER"
echo "raw: mknod(S_IFREG) $MARKER via perl"
timeout 30 perl -e 'syscall(133, $ARGV[0], 0100644, 0) == 0 or die "mknod: $!\n"' "$MARKER" ||
  result FAIL raw-vfs_create-arg2 "perl mknod(S_IFREG) failed"

# 2. innd files an article in a new group.
echo "raw: ctlinnd newgroup $GROUP"
timeout 60 "$NEWSBIN/ctlinnd" newgroup "$GROUP" y || result FAIL raw-newgroup "ctlinnd newgroup $GROUP failed"
cat >/tmp/raw-article.txt <<EOF
From: Raw Probe <raw@example.net>
Newsgroups: $GROUP
Subject: raw probe check
Message-ID: <raw-probe-1@example.net>

Filed by innd while raw bpftrace watches security_inode_create.
EOF
echo "raw: inews -h"
post_out="$(post_article /tmp/raw-article.txt)" || result FAIL raw-post "inews failed: $post_out"

# Wait for innd's create of the article file to show up (TCG is slow; perf output is asynchronous).
for _ in $(seq 1 150); do
  grep -q 'comm=innd .*chain=[0-9]*<check<probe<raw' "$OUT" && break
  sleep 0.2
done
sleep 1
kill -INT "$BT" 2>/dev/null
wait "$BT" 2>/dev/null

sed 's/^/  raw| /' "$OUT"

# --- assertions -----------------------------------------------------------------------------------------
if grep -q "^RAW vfs_create comm=perl name=${MARKER##*/} parent=tmp\$" "$OUT"; then
  result PASS raw-vfs_create-arg2 "vfs_create arg2 is the dentry on $(uname -r): name=${MARKER##*/} parent=tmp"
else
  result FAIL raw-vfs_create-arg2 "no 'vfs_create comm=perl name=${MARKER##*/} parent=tmp' line: $(grep 'vfs_create' "$OUT" | tr '\n' ' ')"
fi
if grep -q "^RAW sic comm=perl .*chain=${MARKER##*/}<tmp<var</\$" "$OUT"; then
  result PASS raw-sic-via-vfs_create "security_inode_create also fired for the same mknod (arg1 dentry, chain ${MARKER##*/}<tmp<var</): both probes can fire for one file"
else
  result FAIL raw-sic-via-vfs_create "security_inode_create did not fire for the mknod: $(grep 'comm=perl' "$OUT" | tr '\n' ' ')"
fi

# The article's full chain up to the root dentry "/" of the root filesystem.
art_line="$(grep -m1 '^RAW sic comm=innd .*chain=[0-9]*<check<probe<raw<' "$OUT")"
spool_file="$(grep -rlF 'Message-ID: <raw-probe-1@example.net>' /var/spool/news/articles/raw/probe/check 2>/dev/null | head -n1)"
if [[ -n "$art_line" && -n "$spool_file" ]]; then
  chain="${art_line##*chain=}"
  # Rebuild the path from the chain (child<parent<...</) and compare with the file innd really wrote.
  rebuilt="$(awk -F'<' '{ p = ""; for (i = 1; i <= NF; i++) if ($i != "/") p = "/" $i p; print p }' <<<"$chain")"
  if [[ "$rebuilt" == "$spool_file" ]]; then
    result PASS raw-sic-innd "security_inode_create(arg1) fired for innd; d_parent walk $chain rebuilds $rebuilt"
  else
    result FAIL raw-sic-innd "chain $chain rebuilds $rebuilt but innd stored $spool_file"
  fi
else
  result FAIL raw-sic-innd "no security_inode_create event for innd's article (spool file: ${spool_file:-none})"
fi

n_vfs_innd="$(grep -c '^RAW vfs_create comm=innd' "$OUT")"
result INFO raw-vfs_create-innd "vfs_create events from innd while it filed the article: $n_vfs_innd (PLATFORM.md expects 0: open(O_CREAT) bypasses vfs_create)"
# Files innd creates outside the article spool (overview, etc.): what the CLI must filter out (case e).
others="$(grep '^RAW sic comm=innd' "$OUT" | grep -v "<articles<news<spool<var</\$" | sed 's/.*chain=//' | tr '\n' ' ')"
result INFO raw-innd-nonspool-creates "innd also created, outside the article spool: ${others:-nothing}"
rm -f "$MARKER"

# A sample of the generated kprobe program's real -f json output while innd files one article, printed
# as KJSON lines: run.sh keeps them as fixtures/trace/kprobe-innd.jsonl's source (a parser fixture).
if [[ -f /proj/dist/cli.js ]]; then
  KPROG=/tmp/kprobe.bt
  KOUT=/tmp/kprobe.json
  node /proj/bin/newsnotify script --mode kprobe --depth 12 >"$KPROG" 2>/tmp/kprobe.err
  BPFTRACE_STRLEN=200 __BPFTRACE_NOTIFY_PROBES_ATTACHED=1 bpftrace -f json "$KPROG" >"$KOUT" 2>"$KOUT.err" &
  KBT=$!
  # Not attached_probes: bpftrace up to 0.23 prints it before the programs are even loaded.
  for _ in $(seq 1 600); do grep -q __BPFTRACE_NOTIFY_PROBES_ATTACHED "$KOUT" "$KOUT.err" 2>/dev/null && break; sleep 0.2; done
  cat >/tmp/kjson-article <<'ART'
From: KJSON <kjson@example.net>
Newsgroups: raw.probe.check
Subject: kprobe sample
Message-ID: <kjson-sample@example.net>

sample
ART
  post_article /tmp/kjson-article >/dev/null
  sleep 2
  kill -INT "$KBT" 2>/dev/null
  wait "$KBT" 2>/dev/null
  grep -v -e '"H ' -e __BPFTRACE_NOTIFY_PROBES_ATTACHED "$KOUT" | sed 's/^/KJSON /'
  if grep -q '"E [0-9]* [0-9]* [0-9]* 1 [0-9]* [0-9]* security_inode_create' "$KOUT"; then
    result PASS raw-generated-kprobe "the generated program (depth 12) attached and printed a complete walk for innd"
  else
    result FAIL raw-generated-kprobe "no complete walk from the generated program: $(head -c 600 "$KOUT" /tmp/kprobe.err | tr '\n' ' ')"
  fi
fi
exit 0
