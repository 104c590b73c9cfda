#!/usr/bin/env node
// @ts-check
/**
 * newsnotify benchmark (issues 6, 12 and 22). Feeds a private innd N articles over an NNTP stream while
 * four contenders watch it side by side: newsnotify (→ webhook), inotifywait on the spool,
 * INN's own channel feed, and newsnotify's feed source run by innd from that channel (issue 25). Measures creation → notification latency per article, misses, duplicates,
 * CPU (the BPF programs' own run time included) and memory. Each scenario runs --runs times, each
 * run on a fresh private innd; the report gives median and range (min–max) of every figure.
 * Writes bench/results/latest.{json,md} and latency-cdf.svg, and the same under the label.
 *
 * USAGE: sudo node bench/run.mjs [--articles 2000] [--rate 0] [--runs 3] [--mode auto] ...
 *   --articles N   articles in the measured phase (default 2000)
 *   --rate R       articles per second, paced; 0 = as fast as innd accepts them (default 0)
 *   --runs N       run the scenario N times, each on a fresh private innd (default 3)
 *   --mode M       newsnotify's `mode:` (auto, kprobe, tracepoint, uprobe; default auto)
 *   --storage S    the private innd's storage method for every group (tradspool, timehash,
 *                  timecaf, cnfs; default tradspool). timecaf and cnfs keep no file per article:
 *                  only --mode uprobe can see them, inotifywait is left out, and latency is
 *                  measured from innd's InndHisWrite (article stored) instead of file creation
 *   --window W     TAKETHIS commands in flight (default 64)
 *   --baseline     first feed N articles with no contender attached, for innd's bare CPU cost
 *   --keep         keep the private INN instances' directories (logs and spool) afterwards
 *   --label NAME   also write NAME.{json,md,svg} beside latest.* (default: burst-N or paced-R-N,
 *                  then -batchN, -<mode>, -<storage> where not the default)
 *   --out DIR      results directory (default bench/results)
 *   --profile DIR  run newsnotify under `node --cpu-prof`, profiles written to DIR at exit
 *   --bin PATH     another build's bin/newsnotify (e.g. a patched copy), instead of this checkout's
 *   --batch N      newsnotify's webhook sends up to N waiting articles per request (default 1)
 *   --without-feed-source  leave newsnotify's feed source out (three contenders, as before issue
 *                  25): on 2 cores its CPU in a burst slows the others, newsnotify watch included
 *   --raw FILE     also write every article's creation and receipt times (JSON lines) to FILE
 *                  (FILE.runK for run K when --runs > 1)
 *   --feed F       uniform (default): text posts of 0.8–3 KB in one group, every one notified;
 *                  busy: a full feed (bench/lib/mix.mjs) with newsnotify's webhook and the channel
 *                  feed both subscribed to one group (busy.wanted): reports CPU per article beside
 *                  innd's, and wanted delivered / duplicated / unwanted delivered. inotifywait is
 *                  left out (it cannot filter groups). Options of the busy feed:
 *   --want-share S       share of the articles in the wanted group, crossposts included (0.03)
 *   --binary-share S     share of binaries, 300–700 KB in alt.binaries.* (0.1); the rest are
 *                        1–3 KB text posts over 20 groups
 *   --crosspost-share S  share of the wanted articles crossposted with the wanted group second,
 *                        so innd files them first under an unwanted group (0.5)
 *   --seed N             the mix's seed (1): the same seed, the same articles
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { medianRun, summarizeRuns } from "./lib/aggregate.mjs";
import { GROUP } from "./lib/articles.mjs";
import {
  bpfDelta,
  bpfPrograms,
  bpfStatsOn,
  enableBpfStats,
  programNames,
} from "./lib/bpfstats.mjs";
import { nowMs, sleep } from "./lib/clock.mjs";
import { channelContender } from "./lib/contenders/channel.mjs";
import { feedContender } from "./lib/contenders/feed.mjs";
import { inotifyContender } from "./lib/contenders/inotify.mjs";
import { newsnotifyContender } from "./lib/contenders/newsnotify.mjs";
import { drained, receiptsOf } from "./lib/contenders/receipts.mjs";
import { startCreationClock, startHistoryClock } from "./lib/creation.mjs";
import { feed } from "./lib/feeder.mjs";
import { freePort, INNBIN, reapLeftovers, startInn } from "./lib/inn.mjs";
import { load, machineInfo, preflight } from "./lib/machine.mjs";
import { describeMix, mixGroups, planMix, subscriptionSets, WANTED_GROUP } from "./lib/mix.mjs";
import { parseOptions, STORAGE, UsageError } from "./lib/options.mjs";
import {
  commOf,
  cpuDelta,
  cpuSeconds,
  cpuSnapshot,
  mainThreadSeconds,
  memoryMb,
  pidsByComm,
  userSysSeconds,
} from "./lib/proc.mjs";
import { multiRunReport } from "./lib/report.mjs";
import { buildResults, rawRows } from "./lib/results.mjs";
import { filedByHistory, scanGroup, uniqueById } from "./lib/scan.mjs";
import { cdfSvg } from "./lib/svg.mjs";

const say = (/** @type {string} */ s) => process.stderr.write(`bench: ${s}\n`);
/** @type {ReturnType<typeof parseOptions>} */
let opts;
try {
  opts = parseOptions(process.argv.slice(2), fileURLToPath(new URL("./results", import.meta.url)));
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  say(`${e.message}\n(options: see the USAGE comment at the top of bench/run.mjs)`);
  process.exit(2);
}
const { params, label } = opts;

/** Stops everything started so far, in reverse order; `unwind(mark)` only what came after mark. */
const cleanups = /** @type {(() => Promise<unknown> | unknown)[]} */ ([]);
async function unwind(mark = 0) {
  while (cleanups.length > mark) {
    const f = /** @type {() => unknown} */ (cleanups.pop());
    await Promise.resolve()
      .then(f)
      .catch((e) => say(`cleanup: ${e}`));
  }
}
let interrupted = false;
for (const sig of /** @type {const} */ (["SIGINT", "SIGTERM"])) {
  process.on(sig, () => {
    interrupted = true;
    void unwind().then(() => process.exit(130));
  });
}

/**
 * One run of the scenario on a fresh private innd: everything it starts is stopped before it returns.
 * @param {number} run 1-based @param {{ok: boolean, why?: string}} bpfStats
 */
async function runOnce(run, bpfStats) {
  const mark = cleanups.length;
  try {
    return await measure(run, bpfStats);
  } finally {
    await unwind(mark);
  }
}

/** @param {number} run @param {{ok: boolean, why?: string}} bpfStats */
async function measure(run, bpfStats) {
  const filePerArticle = STORAGE[params.storage].filePerArticle;
  // The busy feed: a full mix, newsnotify and the channel feed subscribed to one group of it.
  const mix = params.mix ?? null;
  const plan = mix ? planMix(params.articles, mix) : null;
  /** @type {Record<string, unknown>} */
  const machine = { ...machineInfo(params.bin), loadBefore: load() };
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  await reapLeftovers(tmpdir(), "newsnotify-bench-", say);
  const root = mkdtempSync(join(tmpdir(), "newsnotify-bench-"));
  cleanups.push(() =>
    opts.keep ? say(`kept ${root}`) : rmSync(root, { recursive: true, force: true }),
  );

  const channel = await channelContender(mix ? { pattern: WANTED_GROUP } : {});
  cleanups.push(() => channel.stop());
  // Left out on request: on 2 cores a fourth contender's CPU slows the others in a burst.
  const feedSource = params.feedSource
    ? await feedContender(mix ? { pattern: WANTED_GROUP } : {})
    : null;
  if (feedSource) cleanups.push(() => feedSource.stop());
  say(`run ${run}/${params.runs}: private innd (${params.storage}) in ${root}`);
  const inn = await startInn({
    root,
    port: await freePort(),
    newsfeedsExtra: channel.newsfeedsEntry + (feedSource?.newsfeedsEntry ?? ""),
    historySize: Math.max(20_000, 4 * params.articles),
    storage: params.storage,
    // CNFS: room for every article of the run (about 2 KB each, or the mix's sizes) with a margin;
    // not used otherwise.
    cycbuffKb: Math.max(
      32 * 1024,
      (params.baseline ? 2 : 1) *
        (plan ? describeMix(plan).bytes / 1024 + 4 * params.articles : 4 * params.articles) +
        400,
    ),
  });
  cleanups.push(() => inn.stop());
  const groupNames = mix ? mixGroups(mix) : [GROUP];
  for (const g of groupNames) inn.newgroup(g);
  const feedPhase = (
    /** @type {string} */ phase,
    /** @type {number} */ count,
    rate = 0,
    /** @type {Partial<import("./lib/feeder.mjs").FeedOptions>} */ more = {},
  ) => feed({ port: inn.port, runId, phase, count, rate, window: params.window, ...more });
  // innd makes each group's directory: watchers then start on a steady spool.
  await feedPhase("warm", groupNames.length, 0, { groups: groupNames });
  // Where the run's article files are: the group's directory (tradspool), anywhere (timehash, and
  // the busy feed's many groups: a crosspost's links are found once per group, kept once).
  const scanDir =
    params.storage === "tradspool" && !mix ? join(inn.spool, ...GROUP.split(".")) : inn.spool;

  let baseline = null;
  if (params.baseline) {
    say(`baseline: ${params.articles} articles, nothing watching but the channel`);
    const before = cpuSnapshot({ innd: [inn.pid] });
    const r = await feedPhase("base", params.articles, params.rate, mix ? { mix } : {});
    await sleep(500);
    const cpu = cpuDelta(before, cpuSnapshot({ innd: [inn.pid] })).innd;
    baseline = {
      accepted: r.accepted,
      inndCpuSec: cpu?.seconds ?? null,
      seconds: (r.endMs - r.startMs) / 1000,
    };
  }

  // Room for every stamp: the articles, their directories (timehash), the sync articles.
  const maxEvents = 2 * params.articles + 10_000;
  const clock = filePerArticle
    ? await startCreationClock({ dir: inn.spool, pid: inn.pid, maxEvents })
    : await startHistoryClock({ pid: inn.pid, innd: `${INNBIN}/innd`, maxEvents });
  cleanups.push(() => clock.stop());
  // inotifywait reports every file: it has no subscription to compare in the busy feed.
  const inotify = filePerArticle && !mix ? inotifyContender({ spool: inn.spool }) : null;
  if (inotify) cleanups.push(() => inotify.stop());
  const newsnotify = newsnotifyContender({
    spool: inn.spool,
    activeFile: inn.activeFile,
    env: inn.env,
    dir: root,
    log: say,
    bin: params.bin ?? undefined,
    batch: params.batch,
    mode: params.mode,
    groups: mix ? WANTED_GROUP : undefined,
    nodeArgs: opts.profile ? ["--cpu-prof", `--cpu-prof-dir=${opts.profile}`] : [],
  });
  cleanups.push(() => newsnotify.stop());
  /** @type {any[]} */
  const contenders = [
    newsnotify,
    ...(inotify ? [inotify] : []),
    channel,
    ...(feedSource ? [feedSource] : []),
  ];
  const startup = {
    inotifywait: inotify ? await inotify.start() : null,
    newsnotify: await newsnotify.start(), // alone, so its start-up time is not shared with others
    channel: await channel.start(),
    feed: feedSource ? await feedSource.start() : null,
    creationClockMs: clock.startupMs,
  };
  say(`attached: newsnotify ready in ${Math.round(startup.newsnotify.toReadyMs)} ms`);

  // Proof of life: every contender reports a few articles before the measured phase starts.
  let base = contenders.map((c) => c.receipts.count);
  await feedPhase("sync", 5, 0, mix ? { groups: [WANTED_GROUP] } : {});
  await drained(contenders, base, 5, 30_000);
  const late = contenders.filter((c, i) => c.receipts.count - (base[i] ?? 0) < 5);
  if (late.length) {
    throw new Error(
      `not all contenders saw the 5 sync articles: ${late
        .map((c) => `${c.name} saw ${c.receipts.count - (base[contenders.indexOf(c)] ?? 0)}`)
        .join(", ")}` +
        (late.includes(newsnotify)
          ? `. newsnotify runs with \`mode: ${params.mode}\` on ${params.storage}: if this build ` +
            `cannot see or read ${params.storage} articles in that mode, it reports none.`
          : ""),
    );
  }
  await sleep(1000);

  const groups = () => ({
    innd: [inn.pid],
    newsnotify: newsnotify.pids(),
    ...(inotify ? { inotifywait: inotify.pids() } : {}),
    channel: channel.pids(),
    ...(feedSource ? { feed: feedSource.pids() } : {}),
  });
  // Other people's bpftrace (their watchers trace every innd, ours included): a noise indicator.
  const foreignBpftrace = () =>
    pidsByComm("bpftrace").filter((p) => p !== clock.pid && !newsnotify.pids().includes(p)).length;
  machine.foreignBpftraceBefore = foreignBpftrace();
  base = contenders.map((c) => c.receipts.count);
  const bpfPids = () => ({ newsnotify: newsnotify.pids(), clock: clock.pid ? [clock.pid] : [] });
  const bpfBefore = {
    newsnotify: bpfPrograms(bpfPids().newsnotify),
    clock: bpfPrograms(bpfPids().clock),
  };
  const cpuBefore = cpuSnapshot(groups());
  const nodePid = newsnotify.pids()[0] ?? 0;
  const mainBefore = mainThreadSeconds(nodePid);
  const userSysBefore = userSysSeconds(nodePid);
  say(
    params.rate
      ? `feeding ${params.articles} at ${params.rate}/s`
      : `feeding a burst of ${params.articles}`,
  );
  const fed = await feedPhase("burst", params.articles, params.rate, mix ? { mix } : {});
  // What the subscription wants of what innd took (all of it for the uniform feed).
  const sets = plan
    ? subscriptionSets(plan, runId, "burst", fed.ids)
    : { wanted: fed.ids, unwanted: [] };
  say(
    `innd accepted ${fed.accepted} (${Math.round(fed.bytes / 1e6)} MB) in ` +
      `${Math.round(fed.endMs - fed.startMs)} ms` +
      (plan ? `, ${sets.wanted.length} of them wanted` : "") +
      "; waiting for the contenders",
  );
  if (plan) {
    // Receipts of wanted articles only: an unwanted one delivered must not end the wait early.
    const wanted = (/** @type {any} */ c) => receiptsOf(c.receipts, sets.wanted);
    // 30 s of quiet: newsnotify may be reading a run of binaries between two wanted articles.
    await drained(
      contenders,
      contenders.map(() => 0),
      sets.wanted.length,
      30_000,
      wanted,
    );
    // The last wanted notification is not the end of newsnotify's work: unwanted articles filed
    // after it are still being read. The window closes once its processes are idle.
    await idle(newsnotify.pids(), say);
  } else await drained(contenders, base, fed.accepted);
  const drainedMs = nowMs();
  const cpu = cpuDelta(cpuBefore, cpuSnapshot(groups()));
  const bpfOk = bpfStats.ok && bpfStatsOn();
  const bpfAfter = bpfOk
    ? { newsnotify: bpfPrograms(bpfPids().newsnotify), clock: bpfPrograms(bpfPids().clock) }
    : null;
  const names = bpfAfter ? programNames() : new Map();
  const bpf = bpfAfter
    ? {
        newsnotify: bpfDelta(bpfBefore.newsnotify, bpfAfter.newsnotify, names),
        clock: bpfDelta(bpfBefore.clock, bpfAfter.clock, names),
      }
    : null;
  if (!bpfOk) {
    machine.bpfStats = bpfStats.ok
      ? "kernel.bpf_stats_enabled was turned off during the run: BPF run time not measured"
      : `BPF run time not measured: ${bpfStats.why}`;
  }
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
    inotifywait: inotify?.messages() ?? [],
    clock: clock.messages(),
  };
  // Stopping a receiver delivers every receipt it stamped before the analysis reads them.
  for (const c of [...contenders, clock]) await c.stop();

  const filed =
    "byInode" in clock
      ? uniqueById(scanGroup(scanDir, runId, "burst", clock.byInode))
      : filedByHistory(fed.ids, clock.byMessageId);
  if (opts.raw) {
    writeFileSync(params.runs > 1 ? `${opts.raw}.run${run}` : opts.raw, rawRows(filed, contenders));
  }
  const results = buildResults({
    label,
    params,
    machine,
    baseline,
    fed,
    filed,
    expected: sets.wanted,
    unwanted: sets.unwanted,
    mix: plan ? { ...mix, group: WANTED_GROUP, planned: describeMix(plan) } : null,
    contenders,
    cpu,
    bpf,
    rss,
    startup,
    messages,
    reference: clock.reference,
    windowMs: drainedMs - fed.startMs,
  });
  results.run = run;
  const nn = results.contenders.newsnotify;
  if (nn && nodeMainCpuSec !== null) {
    // Where newsnotify's CPU goes, per article: the JS itself, node's helper threads, bpftrace, BPF.
    const per = (/** @type {number} */ s) => Math.round((1e6 * s) / fed.accepted) / 1000;
    const nodeSec = cpu.newsnotify?.perPid?.[nodePid] ?? 0;
    nn.cpuBreakdown = {
      total: nn.cpuMsPerArticle,
      nodeMain: per(nodeMainCpuSec),
      nodeOther: per(nodeSec - nodeMainCpuSec),
      bpftrace: per((nn.processCpuSec ?? 0) - nodeSec),
      bpf: nn.bpfSec === null ? null : per(nn.bpfSec),
      // The kernel's share of node's time: system calls (open, read, readlink, write, sockets).
      nodeSys: userSysBefore && userSysAfter ? per(userSysAfter.sys - userSysBefore.sys) : null,
    };
  }
  return results;
}

/**
 * Waits until `pids` use less than 1 % of a CPU over 250 ms (at most 60 s): the end of their work.
 * @param {number[]} pids @param {(line: string) => void} log
 */
async function idle(pids, log) {
  const total = () => pids.reduce((n, pid) => n + cpuSeconds(pid), 0);
  const started = nowMs();
  for (let before = total(); nowMs() - started < 60_000; ) {
    await sleep(250);
    const now = total();
    if (now - before < 0.0025) return;
    before = now;
  }
  log("newsnotify was still busy 60 s after the last wanted article: CPU window closed anyway");
}

async function main() {
  preflight(params);
  const bpfStats = enableBpfStats();
  if (bpfStats.ok) cleanups.push(bpfStats.restore);
  else say(`BPF run time will not be measured: ${bpfStats.why}`);
  const runs = [];
  for (let run = 1; run <= params.runs && !interrupted; run++) {
    runs.push(await runOnce(run, bpfStats));
    const nn = runs.at(-1)?.contenders.newsnotify;
    say(
      `run ${run}: newsnotify p50 ${nn?.latencyMs.p50} ms, p99 ${nn?.latencyMs.p99} ms, ` +
        `${nn?.cpuMsPerArticle} ms CPU/article`,
    );
  }
  const all = {
    version: 2,
    label,
    date: new Date().toISOString(),
    params,
    summary: summarizeRuns(runs),
    medianRun: medianRun(runs) + 1,
    runs,
  };
  mkdirSync(opts.out, { recursive: true });
  const outputs = {
    json: `${JSON.stringify(all, null, 2)}\n`,
    md: multiRunReport(all),
    svg: cdfSvg(/** @type {any} */ (runs[all.medianRun - 1]), all.medianRun, runs.length),
  };
  for (const name of ["latest", label]) {
    writeFileSync(join(opts.out, `${name}.json`), outputs.json);
    writeFileSync(join(opts.out, `${name}.md`), outputs.md);
  }
  writeFileSync(join(opts.out, "latency-cdf.svg"), outputs.svg);
  writeFileSync(join(opts.out, `${label}.svg`), outputs.svg);
  process.stdout.write(outputs.md);
}

try {
  await main();
} catch (e) {
  say(`failed: ${e instanceof Error ? e.stack : e}`);
  process.exitCode = 1;
} finally {
  await unwind();
}
