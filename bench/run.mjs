#!/usr/bin/env node
// @ts-check
/**
 * newsnotify benchmark (issue 6). Feeds a private innd N articles over an NNTP stream while three
 * contenders watch it side by side: newsnotify (→ webhook), inotifywait on the spool, and INN's own
 * channel feed. Measures creation → notification latency per article, misses, duplicates, CPU and
 * memory, and writes bench/results/latest.{json,md} and latency-cdf.svg.
 *
 * USAGE: sudo node bench/run.mjs [--articles 2000] [--rate 0] [--baseline] [--keep] [--label NAME]
 *   --articles N   articles in the measured phase (default 2000)
 *   --rate R       articles per second, paced; 0 = as fast as innd accepts them (default 0)
 *   --window W     TAKETHIS commands in flight (default 64)
 *   --baseline     first feed N articles with no contender attached, for innd's bare CPU cost
 *   --keep         keep the private INN instance's directory (its logs and spool) afterwards
 *   --label NAME   also write NAME.{json,md,svg} beside latest.* (default: burst-N or paced-R-N)
 *   --out DIR      results directory (default bench/results)
 *   --profile DIR  run newsnotify under `node --cpu-prof`, profile written to DIR at exit
 *   --bin PATH     another build's bin/newsnotify (e.g. a patched copy), instead of this checkout's
 *   --batch N      newsnotify's webhook sends up to N waiting articles per request (default 1)
 *   --raw FILE     also write every article's creation and receipt times (JSON lines) to FILE
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { GROUP } from "./lib/articles.mjs";
import { nowMs, sleep } from "./lib/clock.mjs";
import { channelContender } from "./lib/contenders/channel.mjs";
import { inotifyContender } from "./lib/contenders/inotify.mjs";
import { newsnotifyContender } from "./lib/contenders/newsnotify.mjs";
import { drained } from "./lib/contenders/receipts.mjs";
import { startCreationClock } from "./lib/creation.mjs";
import { feed } from "./lib/feeder.mjs";
import { freePort, reapLeftovers, startInn } from "./lib/inn.mjs";
import { load, machineInfo, preflight } from "./lib/machine.mjs";
import {
  commOf,
  cpuDelta,
  cpuSnapshot,
  mainThreadSeconds,
  memoryMb,
  pidsByComm,
  userSysSeconds,
} from "./lib/proc.mjs";
import { markdownReport } from "./lib/report.mjs";
import { buildResults, rawRows } from "./lib/results.mjs";
import { scanGroup } from "./lib/scan.mjs";
import { cdfSvg } from "./lib/svg.mjs";

const { values: a } = parseArgs({
  options: {
    articles: { type: "string", default: "2000" },
    rate: { type: "string", default: "0" },
    window: { type: "string", default: "64" },
    baseline: { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    label: { type: "string" },
    profile: { type: "string" },
    bin: { type: "string" },
    batch: { type: "string", default: "1" },
    raw: { type: "string" },
    out: { type: "string", default: fileURLToPath(new URL("./results", import.meta.url)) },
  },
});
const params = {
  articles: Number(a.articles),
  rate: Number(a.rate),
  window: Number(a.window),
  baseline: Boolean(a.baseline),
  bin: a.bin ?? null,
  batch: Number(a.batch),
};
const label =
  a.label ??
  (params.rate ? `paced-${params.rate}-${params.articles}` : `burst-${params.articles}`) +
    (params.batch > 1 ? `-batch${params.batch}` : "");
const say = (/** @type {string} */ s) => process.stderr.write(`bench: ${s}\n`);

/** Stops everything started so far, in reverse order; runs once, also on SIGINT. */
const cleanups = /** @type {(() => Promise<unknown> | unknown)[]} */ ([]);
let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  for (const f of cleanups.reverse())
    await Promise.resolve()
      .then(f)
      .catch((e) => say(`cleanup: ${e}`));
}
for (const sig of /** @type {const} */ (["SIGINT", "SIGTERM"])) {
  process.on(sig, () => void cleanup().then(() => process.exit(130)));
}

async function main() {
  preflight();
  /** @type {Record<string, unknown>} */
  const machine = { ...machineInfo(a.bin), loadBefore: load() };
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  await reapLeftovers(tmpdir(), "newsnotify-bench-", say);
  const root = mkdtempSync(join(tmpdir(), "newsnotify-bench-"));
  cleanups.push(() =>
    a.keep ? say(`kept ${root}`) : rmSync(root, { recursive: true, force: true }),
  );

  const channel = await channelContender();
  cleanups.push(() => channel.stop());
  say(`private innd in ${root}`);
  const inn = await startInn({
    root,
    port: await freePort(),
    newsfeedsExtra: channel.newsfeedsEntry,
    historySize: Math.max(20_000, 4 * params.articles),
  });
  cleanups.push(() => inn.stop());
  inn.newgroup(GROUP);
  const feedPhase = (/** @type {string} */ phase, /** @type {number} */ count, rate = 0) =>
    feed({ port: inn.port, runId, phase, count, rate, window: params.window });
  await feedPhase("warm", 1); // innd makes the group's directory: watchers then start on a steady spool
  const groupDir = join(inn.spool, ...GROUP.split("."));

  let baseline = null;
  if (params.baseline) {
    say(`baseline: ${params.articles} articles, nothing watching but the channel`);
    const before = cpuSnapshot({ innd: [inn.pid] });
    const r = await feedPhase("base", params.articles, params.rate);
    await sleep(500);
    const cpu = cpuDelta(before, cpuSnapshot({ innd: [inn.pid] })).innd;
    baseline = {
      accepted: r.accepted,
      inndCpuSec: cpu?.seconds ?? null,
      seconds: (r.endMs - r.startMs) / 1000,
    };
  }

  const clock = await startCreationClock({ dir: groupDir });
  cleanups.push(() => clock.stop());
  const inotify = inotifyContender({ spool: inn.spool });
  cleanups.push(() => inotify.stop());
  const newsnotify = newsnotifyContender({
    spool: inn.spool,
    activeFile: inn.activeFile,
    env: inn.env,
    dir: root,
    log: say,
    bin: a.bin,
    batch: params.batch,
    nodeArgs: a.profile ? ["--cpu-prof", `--cpu-prof-dir=${a.profile}`] : [],
  });
  cleanups.push(() => newsnotify.stop());
  const contenders = [newsnotify, inotify, channel];
  const startup = {
    inotifywait: await inotify.start(),
    newsnotify: await newsnotify.start(), // alone, so its start-up time is not shared with others
    channel: await channel.start(),
    creationClockMs: clock.startupMs,
  };
  say(`attached: newsnotify ready in ${Math.round(startup.newsnotify.toReadyMs)} ms`);

  // Proof of life: every contender reports a few articles before the measured phase starts.
  let base = contenders.map((c) => c.receipts.count);
  await feedPhase("sync", 5);
  await drained(contenders, base, 5, 30_000);
  const late = contenders
    .filter((c, i) => c.receipts.count - (base[i] ?? 0) < 5)
    .map((c) => c.name);
  if (late.length) throw new Error(`not all contenders saw the sync articles: ${late.join(", ")}`);
  await sleep(1000);

  const groups = () => ({
    innd: [inn.pid],
    newsnotify: newsnotify.pids(),
    inotifywait: inotify.pids(),
    channel: channel.pids(),
  });
  // Other people's bpftrace (their watchers trace every innd, ours included): a noise indicator.
  const foreignBpftrace = () =>
    pidsByComm("bpftrace").filter((p) => p !== clock.pid && !newsnotify.pids().includes(p)).length;
  machine.foreignBpftraceBefore = foreignBpftrace();
  base = contenders.map((c) => c.receipts.count);
  const cpuBefore = cpuSnapshot(groups());
  const nodePid = newsnotify.pids()[0] ?? 0;
  const mainBefore = mainThreadSeconds(nodePid);
  const userSysBefore = userSysSeconds(nodePid);
  say(
    params.rate
      ? `feeding ${params.articles} at ${params.rate}/s`
      : `feeding a burst of ${params.articles}`,
  );
  const fed = await feedPhase("burst", params.articles, params.rate);
  say(
    `innd accepted ${fed.accepted} in ${Math.round(fed.endMs - fed.startMs)} ms; waiting for the contenders`,
  );
  await drained(contenders, base, fed.accepted);
  const drainedMs = nowMs();
  const cpu = cpuDelta(cpuBefore, cpuSnapshot(groups()));
  const mainAfter = mainThreadSeconds(nodePid);
  const userSysAfter = userSysSeconds(nodePid);
  const nodeMainCpuSec =
    mainBefore !== null && mainAfter !== null
      ? Math.round((mainAfter - mainBefore) * 1000) / 1000
      : null;
  await sleep(1500); // a late duplicate (a second probe, a re-delivery) still counts
  // Memory before anything stops; processes already gone (a `bpftrace --version` probe) are skipped.
  const rss = Object.fromEntries(
    Object.entries(groups()).map(([name, pids]) => [
      name,
      pids.flatMap((pid) => {
        const mem = memoryMb(pid);
        return mem ? [{ pid, comm: commOf(pid), ...mem }] : [];
      }),
    ]),
  );
  machine.loadAfter = load();
  machine.foreignBpftraceAfter = foreignBpftrace();
  const messages = {
    newsnotify: newsnotify.messages(),
    inotifywait: inotify.messages(),
    clock: clock.messages(),
  };
  for (const c of [newsnotify, inotify, clock]) await c.stop();

  const filed = scanGroup(groupDir, runId, "burst", clock.byInode);
  if (a.raw) writeFileSync(a.raw, rawRows(filed, contenders));
  const results = buildResults({
    label,
    params,
    machine,
    baseline,
    fed,
    filed,
    contenders,
    cpu,
    rss,
    startup,
    messages,
    windowMs: drainedMs - fed.startMs,
  });
  const nn = results.contenders.newsnotify;
  if (nn && nodeMainCpuSec !== null) {
    // Where newsnotify's CPU goes, per article: the JS itself, node's helper threads, bpftrace.
    const per = (/** @type {number} */ s) => Math.round((1e6 * s) / fed.accepted) / 1000;
    const nodeSec = cpu.newsnotify?.perPid?.[nodePid] ?? 0;
    nn.cpuMsPerArticle = {
      total: per(nn.cpuSec ?? 0),
      nodeMain: per(nodeMainCpuSec),
      nodeOther: per(nodeSec - nodeMainCpuSec),
      bpftrace: per((nn.cpuSec ?? 0) - nodeSec),
      // The kernel's share of node's time: system calls (open, read, readlink, write, sockets).
      nodeSys: userSysBefore && userSysAfter ? per(userSysAfter.sys - userSysBefore.sys) : null,
    };
  }
  mkdirSync(a.out, { recursive: true });
  const outputs = {
    json: `${JSON.stringify(results, null, 2)}\n`,
    md: markdownReport(results),
    svg: cdfSvg(results),
  };
  for (const name of ["latest", label]) {
    writeFileSync(join(a.out, `${name}.json`), outputs.json);
    writeFileSync(join(a.out, `${name}.md`), outputs.md);
  }
  writeFileSync(join(a.out, "latency-cdf.svg"), outputs.svg);
  writeFileSync(join(a.out, `${label}.svg`), outputs.svg);
  process.stdout.write(outputs.md);
}

try {
  await main();
} catch (e) {
  say(`failed: ${e instanceof Error ? e.stack : e}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
