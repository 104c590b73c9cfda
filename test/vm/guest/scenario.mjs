// guest/scenario.mjs — the end-to-end scenario inside the VM, run by guest/init.sh with innd running.
//
// Runs the project's real CLI (`node /proj/bin/newsnotify watch --config CFG`) twice against the stock
// Debian kernel: first `mode: kprobe` with the spool on the root filesystem, then `mode: auto` (which must
// choose kprobe here) with the spool on its own tmpfs. A webhook receiver in this process (127.0.0.1)
// collects the POSTs; every case is asserted and printed as one line for run.sh:
//   VMRESULT <PASS|FAIL|INFO> <mode>/<case> <detail>
// Cases per phase: ready, a-plain, b-crosspost-9-levels, (auto only: chose-kprobe, c-spool-own-fs),
// d-new-deep-group, one-bpftrace, e-no-foreign-or-outside, one-post-per-article, sigterm.
// Last: scenario-complete.
// Plain node, no dependencies: the guest has only the node binary and the project copy.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import {
  alive,
  bpftraceChildren,
  CLI,
  check,
  failures,
  NEWSBIN,
  result,
  run,
  sh,
  sleep,
  startReceiver,
  uptime,
  Watch,
  waitFor,
} from "./harness.mjs";

const POST_WAIT_MS = 120_000; // TCG is slow; the CLI also waits for innd to finish writing.
const GRACE_MS = 4_000; // after an expected POST, how long a duplicate has to show up

const SPOOL = run(`${NEWSBIN}/innconfval`, ["patharticles"]);
const groupDir = (g) => `${SPOOL}/${g.split(".").join("/")}`;
const deepGroup = (prefix, levels) =>
  Array.from({ length: levels }, (_, i) => `${prefix}${String(i + 1).padStart(2, "0")}`).join(".");

// --- webhook receiver -----------------------------------------------------------------------------------
const receiver = await startReceiver();
const { posts, articleOf, postsFor } = receiver;
const HOOK = receiver.url;

// --- articles -------------------------------------------------------------------------------------------
let serial = 0;
/** Posts with inews -h; returns what the notification must say. */
function post(mode, tag, newsgroups, subject) {
  const messageId = `<vm-${mode}-${tag}-${++serial}.${process.pid}@example.net>`;
  const text = [
    "From: VM Lane <vm@example.net>",
    `Newsgroups: ${newsgroups.join(",")}`,
    `Subject: ${subject}`,
    `Message-ID: ${messageId}`,
    "",
    `Posted by the newsnotify VM lane, case ${tag}.`,
    "",
  ].join("\n");
  run("inews", ["-h"], text);
  return { messageId, newsgroups, subject };
}

/** The spool file innd created for the article: in the first group's directory (others are links). */
function storedPath(expect) {
  const dir = groupDir(expect.newsgroups[0]);
  for (const name of readdirSync(dir)) {
    if (!/^\d+$/.test(name)) continue;
    const head = readFileSync(`${dir}/${name}`, "latin1").slice(0, 8192);
    if (head.includes(`Message-ID: ${expect.messageId}`)) return `${dir}/${name}`;
  }
  return null;
}

/** Waits for the article's POST, then a grace period for duplicates; asserts the JSON. Returns problems. */
async function expectNotified(expect) {
  await waitFor(
    () => postsFor(expect.messageId).length > 0,
    POST_WAIT_MS,
    `a POST for ${expect.messageId}`,
  );
  await sleep(GRACE_MS);
  const got = postsFor(expect.messageId);
  const a = articleOf(got[0]);
  const problems = [];
  if (got.length !== 1) problems.push(`${got.length} POSTs for one article`);
  if (a.messageId !== expect.messageId) problems.push(`messageId ${JSON.stringify(a.messageId)}`);
  if (JSON.stringify(a.newsgroups) !== JSON.stringify(expect.newsgroups))
    problems.push(
      `newsgroups ${JSON.stringify(a.newsgroups)} != ${JSON.stringify(expect.newsgroups)}`,
    );
  if (a.subject !== expect.subject) problems.push(`subject ${JSON.stringify(a.subject)}`);
  const real = storedPath(expect);
  if (!real)
    problems.push(`no spool file with this Message-ID under ${groupDir(expect.newsgroups[0])}`);
  else if (a.path !== real)
    problems.push(`path ${JSON.stringify(a.path)} != real spool file ${real}`);
  if (got[0].url !== "/hook" || got[0].method !== "POST")
    problems.push(`${got[0].method} ${got[0].url}`);
  return { problems, article: a, path: real };
}

const must = (r) => {
  if (r.problems.length > 0) throw new Error(r.problems.join("; "));
  return r;
};

// --- one phase: one watch process, all cases ----------------------------------------------------------
async function phase({ mode, deepLevels, ownFs }) {
  const t0 = uptime();
  const p = (c) => `${mode}/${c}`;
  const first = posts.length;
  const expected = []; // message-ids this phase must see exactly once
  const config = [
    `mode: ${mode}`,
    "process: innd",
    `spool: ${SPOOL}`,
    // Own state per phase: each starts with no saved marks, so start-up catch-up sends nothing old.
    `stateDir: /var/lib/newsnotify-vm-${mode}`,
    // Periodic catch-up off for the test: every article must come from the trace, not a spool rescan.
    "catchUp:",
    "  intervalSeconds: 86400",
    "notifiers:",
    "  - type: webhook",
    `    url: ${HOOK}`,
    "",
  ].join("\n");
  rmSync(`/var/lib/newsnotify-vm-${mode}`, { recursive: true, force: true });
  const w = new Watch(mode, config);

  // ready
  let ready = null;
  await check(p("ready"), async () => {
    ready = await Promise.race([
      waitFor(() => w.find(/newsnotify: ready:/), 180_000, "the ready line"),
      w.exited.then((x) => {
        throw new Error(`watch exited before ready: ${JSON.stringify(x)}`);
      }),
    ]);
    if (!/kprobe mode/.test(ready)) throw new Error(`not kprobe: ${ready}`);
    return `${(uptime() - t0).toFixed(1)}s to: ${ready.replace(/^\S+ newsnotify: /, "")}`;
  });
  if (!ready) {
    w.proc.kill("SIGTERM");
    await Promise.race([w.exited, sleep(20_000)]);
    return;
  }
  if (mode === "auto") {
    await check(p("chose-kprobe"), async () => {
      const m = /ready: (\S+) mode \(([^)]*)\)/.exec(ready);
      if (m?.[1] !== "kprobe") throw new Error(`auto chose ${m?.[1] ?? "?"}: ${ready}`);
      return `auto → kprobe (${m[2]})`;
    });
  }
  const depthAtStart = Number(/walk depth (\d+)/.exec(ready)?.[1] ?? NaN);

  // (a) plain article
  let plainPath = null;
  await check(p("a-plain"), async () => {
    const e = post(mode, "a", ["local.test"], `plain article (${mode})`);
    expected.push(e.messageId);
    const r = must(await expectNotified(e));
    plainPath = r.path;
    return `one POST, messageId ${r.article.messageId}, path ${r.article.path}`;
  });

  // (b) crosspost: one file in the first group, a link in the second
  let crossPath = null;
  await check(p("b-crosspost-9-levels"), async () => {
    const e = post(mode, "b", ["a.b.c.d.e.f.g.h.i", "local.test"], `crosspost (${mode})`);
    expected.push(e.messageId);
    const r = must(await expectNotified(e));
    crossPath = r.path;
    const xref = (r.article.xref ?? []).map((x) => `${x.group}:${x.number}`).join(" ");
    const link = r.article.xref?.find((x) => x.group === "local.test");
    const linked =
      link && statSync(`${groupDir("local.test")}/${link.number}`).ino === statSync(r.path).ino;
    if (!linked) throw new Error(`local.test copy is not a link of ${r.path} (xref ${xref})`);
    return `exactly one POST for 2 groups; path ${r.article.path}; xref ${xref}; local.test entry is a hard link`;
  });

  // (c) spool on its own filesystem: the walk stops at that fs root, the path must still be absolute/real
  if (ownFs) {
    await check(p("c-spool-own-fs"), async () => {
      const fs = run("findmnt", ["-n", "-o", "FSTYPE,TARGET", "-T", plainPath ?? SPOOL]);
      if (!fs.startsWith("tmpfs") || !fs.endsWith(SPOOL))
        throw new Error(`spool not on its own tmpfs: ${fs}`);
      if (!plainPath || !crossPath) throw new Error("a or b failed, nothing to check");
      return `spool is its own mount (${fs}); notified paths ${plainPath} and ${crossPath} are the real absolute files`;
    });
  }

  // (d) a group added after watch started, deeper than the walk depth covers
  await check(p("d-new-deep-group"), async () => {
    const g = deepGroup(mode === "kprobe" ? "k" : "u", deepLevels);
    run(`${NEWSBIN}/ctlinnd`, ["newgroup", g, "y"]);
    // Posted at once, before the watcher can notice the active file changed: the old program's walk
    // runs out of depth, which must be reported and recovered.
    const e1 = post(mode, "d1", [g], `deep group right after newgroup (${mode})`);
    expected.push(e1.messageId);
    const r1 = must(await expectNotified(e1));
    const shortfall = w.find(/ran out of depth at .*\/1; recovered/);
    // Then the raised program must handle the group by its own walk.
    await waitFor(
      () => w.find(/re-attached: kprobe mode/),
      180_000,
      "re-attach with a deeper walk",
    );
    const reattached = w.find(/re-attached: kprobe mode/);
    const depthNow = Number(/walk depth (\d+)/.exec(reattached)?.[1] ?? NaN);
    const shortBefore = w.count(/ran out of depth/);
    const e2 = post(mode, "d2", [g], `deep group after re-attach (${mode})`);
    expected.push(e2.messageId);
    const r2 = must(await expectNotified(e2));
    if (w.count(/ran out of depth/) !== shortBefore)
      throw new Error(`walk still short after re-attach at depth ${depthNow}`);
    return (
      `${deepLevels}-level group; 1st article ${r1.path} ${shortfall ? `recovered after shortfall ("${shortfall.replace(/^.*warn: /, "")}")` : "delivered by the walk"}; ` +
      `depth ${depthAtStart} → ${depthNow}; 2nd article ${r2.path} by the deeper walk`
    );
  });

  // After the depth raise(s): the old program must be gone, exactly one bpftrace left running.
  await check(p("one-bpftrace"), async () => {
    // The replaced bpftrace may take a moment to detach and exit (slow under TCG): poll, don't race it.
    let pids = bpftraceChildren(w.proc.pid);
    for (let i = 0; i < 100 && pids.length !== 1; i++) {
      await sleep(200);
      pids = bpftraceChildren(w.proc.pid);
    }
    const handovers = w.count(/regenerating the trace program/);
    if (pids.length !== 1)
      throw new Error(
        `${pids.length} bpftrace children of watch (pids ${pids.join(",")}) after ${handovers} handover(s), ${w.count(/re-attached/)} re-attach(es)`,
      );
    return `1 bpftrace (pid ${pids[0]}) after ${handovers} handover(s)`;
  });

  // (e) files made by other processes in the spool, and innd's own files outside it: nothing
  await check(p("e-no-foreign-or-outside"), async () => {
    const dir = groupDir("local.test");
    sh(`echo foreign >${dir}/99999 && touch ${dir}/99998`);
    // innd itself creates files outside the article spool on every newgroup and first post to a group
    // (active.tmp, overview .IDX/.DAT, tradspool.map.new; seen by raw-probes.sh) — (d) just did that.
    const e = post(mode, "e-sentinel", ["local.test"], `sentinel after foreign files (${mode})`);
    expected.push(e.messageId);
    must(await expectNotified(e));
    const bad = posts
      .slice(first)
      .map((x) => articleOf(x).path)
      .filter(
        (path) =>
          typeof path !== "string" || /\/9999[89]$/.test(path) || !path.startsWith(`${SPOOL}/`),
      );
    rmSync(`${dir}/99999`, { force: true });
    rmSync(`${dir}/99998`, { force: true });
    if (bad.length > 0) throw new Error(`unexpected notifications: ${JSON.stringify(bad)}`);
    return `root's echo/touch of ${dir}/99999,99998 and innd's non-spool files (active.tmp, overview) produced no POST; sentinel article delivered`;
  });

  // Whole phase: exactly one POST per posted article and nothing else; no catch-up did the trace's job.
  await check(p("one-post-per-article"), async () => {
    await sleep(GRACE_MS);
    const mine = posts.slice(first);
    const ids = mine.map((x) => articleOf(x).messageId);
    const extra = ids.filter((id) => !expected.includes(id));
    const dup = expected.filter((id) => ids.filter((x) => x === id).length !== 1);
    const catchups = w.lines.filter((l) => /catch-up \(/.test(l));
    if (extra.length || dup.length)
      throw new Error(`extra ${JSON.stringify(extra)}, not exactly once ${JSON.stringify(dup)}`);
    if (catchups.length)
      throw new Error(`catch-up delivered articles the trace should have: ${catchups.join(" | ")}`);
    return `${mine.length} POSTs for ${expected.length} articles, none from catch-up`;
  });

  const warns = w.lines.filter((l) => /newsnotify: (warn|error):/.test(l));
  result(
    "INFO",
    p("watch-warnings"),
    warns.length ? warns.map((l) => l.replace(/^\S+ newsnotify: /, "")).join(" | ") : "none",
  );

  // SIGTERM: stops cleanly and promptly.
  await check(p("sigterm"), async () => {
    const t = Date.now();
    const children = bpftraceChildren(w.proc.pid);
    w.proc.kill("SIGTERM");
    const x = await Promise.race([w.exited, sleep(30_000).then(() => null)]);
    const left = children.filter(alive);
    // Whatever this watch left behind must not leak into the next phase (these are its own children).
    const cleanup = async () => {
      if (!x) w.proc.kill("SIGKILL");
      for (const pid of left) process.kill(pid, "SIGINT");
      await sleep(3_000);
      for (const pid of left.filter(alive)) process.kill(pid, "SIGKILL");
    };
    if (!x) {
      await cleanup();
      throw new Error(
        `still running 30s after SIGTERM; its bpftrace children before: ${children.join(",") || "none"}, still alive: ${left.join(",") || "none"}`,
      );
    }
    if (left.length) {
      await cleanup();
      throw new Error(
        `watch exited ${JSON.stringify(x)} but left bpftrace running: pids ${left.join(",")}`,
      );
    }
    if (x.code !== 0) throw new Error(`exit ${JSON.stringify(x)}`);
    return `exit 0 after ${((Date.now() - t) / 1000).toFixed(1)}s, its bpftrace (${children.join(",")}) gone`;
  });
  result("INFO", `timing`, `phase-${mode} ${(uptime() - t0).toFixed(1)}s`);
}

// --- main -----------------------------------------------------------------------------------------------
const T0 = uptime();
try {
  // Groups that exist before watch starts (the 9-level one sets the initial walk depth).
  for (const g of ["local.test", "a.b.c.d.e.f.g.h.i"])
    run(`${NEWSBIN}/ctlinnd`, ["newgroup", g, "y"]);

  // Phase 1: kprobe, spool on the root filesystem; new group of 16 levels > the walk (4 + 9 + 1 + margin 4).
  await phase({ mode: "kprobe", deepLevels: 16, ownFs: false });

  // Phase 2: the spool on its own filesystem, mounted before innd starts (the walk stops at its root).
  sh(`innd_stop`);
  const perms = run("stat", ["-c", "%a", SPOOL]);
  mkdirSync(SPOOL, { recursive: true });
  run("mount", ["-t", "tmpfs", "-o", `size=64m,mode=${perms}`, "tmpfs", SPOOL]);
  run("chown", ["news:news", SPOOL]);
  sh(`innd_start`);
  result(
    "INFO",
    "spool-remounted",
    `${run("findmnt", ["-n", "-o", "SOURCE,FSTYPE,TARGET", SPOOL])}; innd restarted`,
  );
  const doctor = spawnSync("node", [CLI, "doctor"], { encoding: "utf8", timeout: 120_000 });
  result(
    "INFO",
    "doctor",
    `exit ${doctor.status}: ${`${doctor.stdout}${doctor.stderr}`.trim().split("\n").join(" | ")}`,
  );

  // Phase 2: auto must pick kprobe; new group of 26 levels > the walk (4 + 16 + 1 + 4) even from the tmpfs root.
  await phase({ mode: "auto", deepLevels: 26, ownFs: true });
} catch (e) {
  result("FAIL", "scenario", e instanceof Error ? e.stack : String(e));
}
result(
  failures() === 0 ? "PASS" : "FAIL",
  "scenario-complete",
  `${failures()} failure(s), ${posts.length} POSTs received, ${(uptime() - T0).toFixed(1)}s`,
);
receiver.close();
process.exit(failures() === 0 ? 0 : 1);
