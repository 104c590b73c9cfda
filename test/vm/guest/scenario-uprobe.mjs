// guest/scenario-uprobe.mjs — the uprobe source on the stock Debian kernel (issue 11), run by
// guest/init.sh after scenario.mjs (whose kprobe phases assume INN's default tradspool-only
// storage.conf, so this one goes last; the root disk is a snapshot, nothing needs restoring).
//
// Maps tc.* to timecaf and cn.* to CNFS (a cycbuff made here, owned by news), everything else to
// tradspool, restarts innd, then runs the real CLI twice: `mode: auto` (which must choose the uprobe
// source because timecaf/CNFS classes exist) and `mode: uprobe`. Each phase posts one CNFS, one
// timecaf and one tradspool article at once and expects exactly one webhook POST each, with `token`
// equal to `grephistory '<msgid>'` and `path` null for CNFS/timecaf (the real spool file for
// tradspool). Result lines for run.sh:
//   VMRESULT <PASS|FAIL|INFO> uprobe-<mode>/<case> <detail>
// Cases per phase: ready, (auto only: chose-uprobe), cnfs, timecaf, tradspool, one-post-per-article,
// sigterm. Also uprobe-storage-conf (innd restarted with the methods) and uprobe-complete (last).
// Plain node, no dependencies (the guest has only the node binary and the project copy).
import { spawnSync } from "node:child_process";
import {
  chownSync,
  closeSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import {
  alive,
  bpftraceChildren,
  CLI,
  check,
  failures,
  innconfval,
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

const POST_WAIT_MS = 120_000; // TCG is slow; CNFS/timecaf articles are read with INN's sm.
const GRACE_MS = 4_000; // after the expected POSTs, how long a duplicate has to show up
const GROUPS = { cnfs: "cn.test", timecaf: "tc.test", tradspool: "local.test" };

// --- INN with CNFS and timecaf ------------------------------------------------------------------------
const SPOOL = innconfval("patharticles");
const ETC = innconfval("pathetc");
const CYCBUFF_DIR = `${innconfval("pathspool")}/cycbuffs`;
const CYCBUFF = `${CYCBUFF_DIR}/nna`;
const CYCBUFF_KB = 16384;

function useStorageMethods() {
  sh("innd_stop");
  const news = { uid: Number(run("id", ["-u", "news"])), gid: Number(run("id", ["-g", "news"])) };
  mkdirSync(CYCBUFF_DIR, { recursive: true });
  chownSync(CYCBUFF_DIR, news.uid, news.gid);
  const fd = openSync(CYCBUFF, "w", 0o664);
  ftruncateSync(fd, CYCBUFF_KB * 1024); // sparse; CNFS writes its header at first start
  closeSync(fd);
  chownSync(CYCBUFF, news.uid, news.gid);
  writeFileSync(
    `${ETC}/storage.conf`,
    [
      "# Written by newsnotify's VM lane (guest/scenario-uprobe.mjs).",
      "method timecaf {\n    newsgroups: tc.*\n    class: 2\n}",
      "method cnfs {\n    newsgroups: cn.*\n    class: 3\n    options: NNACC\n}",
      "method tradspool {\n    newsgroups: *\n    class: 0\n}",
      "",
    ].join("\n"),
  );
  writeFileSync(
    `${ETC}/cycbuff.conf`,
    `cycbuff:NNA:${CYCBUFF}:${CYCBUFF_KB}\nmetacycbuff:NNACC:NNA\n`,
  );
  sh("innd_start || { echo 'innd did not come back'; exit 1; }");
  // Only the missing ones (local.test exists: scenario.mjs made it).
  const active = readFileSync(`${innconfval("pathdb")}/active`, "latin1").split("\n");
  for (const g of Object.values(GROUPS))
    if (!active.some((l) => l.startsWith(`${g} `))) run(`${NEWSBIN}/ctlinnd`, ["newgroup", g, "y"]);
}

// --- webhook receiver -----------------------------------------------------------------------------------
const receiver = await startReceiver();
const { posts, articleOf, postsFor } = receiver;
const HOOK = receiver.url;

// --- articles -------------------------------------------------------------------------------------------
let serial = 0;
function post(tag, method) {
  const messageId = `<vm-${tag}-${method}-${++serial}.${process.pid}@example.net>`;
  const newsgroups = [GROUPS[method]];
  const subject = `${method} article (${tag})`;
  run(
    "inews",
    ["-h"],
    [
      "From: VM Lane <vm@example.net>",
      `Newsgroups: ${newsgroups.join(",")}`,
      `Subject: ${subject}`,
      `Message-ID: ${messageId}`,
      "",
      `Posted by the newsnotify VM lane to a ${method} group.`,
      "",
    ].join("\n"),
  );
  return { method, messageId, newsgroups, subject };
}

/** The tradspool file of an article: in its group's directory, by Message-ID. */
function spoolFile(e) {
  const dir = `${SPOOL}/${e.newsgroups[0].split(".").join("/")}`;
  for (const name of readdirSync(dir)) {
    if (!/^\d+$/.test(name)) continue;
    if (readFileSync(`${dir}/${name}`, "latin1").includes(`Message-ID: ${e.messageId}`))
      return `${dir}/${name}`;
  }
  return null;
}

/** One POST with the right fields: messageId, newsgroups, subject, token = grephistory, path. */
function verify(e) {
  const got = postsFor(e.messageId);
  if (got.length !== 1) throw new Error(`${got.length} POSTs for ${e.messageId}`);
  const a = articleOf(got[0]);
  const problems = [];
  const token = run(`${NEWSBIN}/grephistory`, [e.messageId]);
  if (!/^@[0-9A-F]{36}@$/.test(token)) problems.push(`grephistory says ${JSON.stringify(token)}`);
  if (a.token !== token) problems.push(`token ${JSON.stringify(a.token)} != grephistory ${token}`);
  const type = { cnfs: "03", timecaf: "04", tradspool: "05" }[e.method];
  if (token.slice(1, 3) !== type)
    problems.push(`token type ${token.slice(1, 3)}, not ${e.method}'s ${type}`);
  if (JSON.stringify(a.newsgroups) !== JSON.stringify(e.newsgroups))
    problems.push(`newsgroups ${JSON.stringify(a.newsgroups)}`);
  if (a.subject !== e.subject) problems.push(`subject ${JSON.stringify(a.subject)}`);
  let where = "path null";
  if (e.method === "tradspool") {
    const real = spoolFile(e);
    if (!real || a.path !== real)
      problems.push(`path ${JSON.stringify(a.path)} != spool file ${real}`);
    where = `path ${a.path}`;
  } else if (a.path !== null) problems.push(`path ${JSON.stringify(a.path)}, expected null`);
  if (got[0].url !== "/hook" || got[0].method !== "POST")
    problems.push(`${got[0].method} ${got[0].url}`);
  if (problems.length) throw new Error(problems.join("; "));
  return `one POST, token ${a.token} (= grephistory), ${where}, ${a.group}:${a.number}`;
}

// --- one phase: one watch process ---------------------------------------------------------------------
async function phase(mode) {
  const t0 = uptime();
  const tag = `uprobe-${mode}`;
  const p = (c) => `${tag}/${c}`;
  const first = posts.length;
  const state = `/var/lib/newsnotify-vm-${tag}`;
  rmSync(state, { recursive: true, force: true });
  const w = new Watch(
    tag,
    [
      `mode: ${mode}`,
      "process: innd",
      `spool: ${SPOOL}`,
      `stateDir: ${state}`,
      // Periodic catch-up off: every article must come from the uprobe, not a rescan.
      "catchUp:",
      "  intervalSeconds: 86400",
      "notifiers:",
      "  - type: webhook",
      `    url: ${HOOK}`,
      "",
    ].join("\n"),
  );

  let ready = null;
  await check(p("ready"), async () => {
    ready = await Promise.race([
      waitFor(() => w.find(/newsnotify: ready:/), 180_000, "the ready line"),
      w.exited.then((x) => {
        throw new Error(`watch exited before ready: ${JSON.stringify(x)}`);
      }),
    ]);
    if (!/ready: uprobe mode .*InndHisWrite/.test(ready))
      throw new Error(`not the uprobe on InndHisWrite: ${ready}`);
    return `${(uptime() - t0).toFixed(1)}s to: ${ready.replace(/^\S+ newsnotify: /, "")}`;
  });
  if (!ready) {
    w.proc.kill("SIGTERM");
    await Promise.race([w.exited, sleep(20_000)]);
    return;
  }
  if (mode === "auto") {
    await check(p("chose-uprobe"), async () => {
      const m = /ready: (\S+) mode \(([^)]*)\)/.exec(ready);
      if (m?.[1] !== "uprobe") throw new Error(`auto chose ${m?.[1] ?? "?"}: ${ready}`);
      if (!/timecaf/.test(m[2]) || !/cnfs/.test(m[2]))
        throw new Error(`the reason does not name timecaf and cnfs: ${m[2]}`);
      return `auto → uprobe (${m[2]})`;
    });
  }

  // The three at once, then one wait: each must arrive once, with its token.
  const expected = ["cnfs", "timecaf", "tradspool"].map((m) => post(tag, m));
  const tPost = uptime();
  try {
    await waitFor(
      () => expected.every((e) => postsFor(e.messageId).length > 0),
      POST_WAIT_MS,
      "a POST for each of the three articles",
    );
  } catch {}
  const tGot = uptime();
  await sleep(GRACE_MS);
  for (const e of expected) await check(p(e.method), async () => verify(e));
  await check(p("one-post-per-article"), async () => {
    const ids = posts.slice(first).map((x) => articleOf(x).messageId);
    const extra = ids.filter((id) => !expected.some((e) => e.messageId === id));
    if (extra.length || ids.length !== expected.length)
      throw new Error(
        `${ids.length} POSTs for ${expected.length} articles; extra ${JSON.stringify(extra)}`,
      );
    return `${ids.length} POSTs for ${expected.length} articles, all within ${(tGot - tPost).toFixed(1)}s of posting`;
  });

  const warns = w.lines.filter((l) => /newsnotify: (warn|error):/.test(l));
  result(
    "INFO",
    p("watch-warnings"),
    warns.length ? warns.map((l) => l.replace(/^\S+ newsnotify: /, "")).join(" | ") : "none",
  );

  await check(p("sigterm"), async () => {
    const t = Date.now();
    const children = bpftraceChildren(w.proc.pid);
    w.proc.kill("SIGTERM");
    const x = await Promise.race([w.exited, sleep(30_000).then(() => null)]);
    const left = children.filter(alive);
    if (!x || left.length) {
      if (!x) w.proc.kill("SIGKILL");
      for (const pid of left) process.kill(pid, "SIGKILL");
      throw new Error(
        `after SIGTERM: exit ${JSON.stringify(x)}, bpftrace left ${left.join(",") || "none"}`,
      );
    }
    if (x.code !== 0) throw new Error(`exit ${JSON.stringify(x)}`);
    return `exit 0 after ${((Date.now() - t) / 1000).toFixed(1)}s, its bpftrace (${children.join(",")}) gone`;
  });
  result("INFO", "timing", `phase-${tag} ${(uptime() - t0).toFixed(1)}s`);
}

// --- main -----------------------------------------------------------------------------------------------
const T0 = uptime();
try {
  let ok = false;
  await check("uprobe-storage-conf", async () => {
    useStorageMethods();
    ok = true;
    return `tc.* → timecaf (class 2), cn.* → CNFS (class 3, cycbuff NNA ${CYCBUFF_KB} KB), * → tradspool; innd restarted in ${(uptime() - T0).toFixed(1)}s`;
  });
  if (ok) {
    const doctor = spawnSync("node", [CLI, "doctor"], { encoding: "utf8", timeout: 120_000 });
    result(
      "INFO",
      "uprobe-doctor",
      `exit ${doctor.status}: ${`${doctor.stdout}${doctor.stderr}`.trim().split("\n").join(" | ")}`,
    );
    await phase("auto");
    await phase("uprobe");
  }
} catch (e) {
  result("FAIL", "uprobe-scenario", e instanceof Error ? e.stack : String(e));
}
result(
  failures() === 0 ? "PASS" : "FAIL",
  "uprobe-complete",
  `${failures()} failure(s), ${posts.length} POSTs received, ${(uptime() - T0).toFixed(1)}s`,
);
receiver.close();
process.exit(failures() === 0 ? 0 : 1);
