#!/usr/bin/env node
// @ts-check
/**
 * Cluster bench (issue 20): a burst of N articles into a private innd, watched by
 *   local  one `newsnotify watch` with its local journal (no cluster:),
 *   one    one watcher in cluster mode on a throwaway PostgreSQL 15,
 *   two    two watchers (own state directories and node names) sharing one PostgreSQL, both
 *          tracing the same innd, as two peered servers would each see every article.
 * The watchers of a scenario notify one webhook receiver (the same notifier entry on every node,
 * as a site configures it): per article the first receipt counts, any more is a duplicate. Latency: innd's InndHisWrite (article stored, a uprobe) → first receipt. CPU: every
 * watcher's node and bpftrace, and PostgreSQL's processes, per article. Prints a Markdown table and
 * writes bench/results/cluster-burst-N.json.
 *
 * USAGE: sudo node bench/cluster.mjs [--articles 10000] [--scenarios local,one,two] [--out DIR]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { GROUP } from "./lib/articles.mjs";
import { nowMs, sleep } from "./lib/clock.mjs";
import { messageIdsOf, newsnotifyContender } from "./lib/contenders/newsnotify.mjs";
import { Receipts } from "./lib/contenders/receipts.mjs";
import { stamper } from "./lib/contenders/stamper.mjs";
import { startHistoryClock } from "./lib/creation.mjs";
import { feed } from "./lib/feeder.mjs";
import { freePort, INNBIN, reapLeftovers, startInn } from "./lib/inn.mjs";
import { load, machineInfo, preflight } from "./lib/machine.mjs";
import { startPostgres } from "./lib/postgres.mjs";
import { cpuDelta, cpuSnapshot } from "./lib/proc.mjs";
import { round3, summarize } from "./lib/stats.mjs";

const say = (/** @type {string} */ s) => process.stderr.write(`bench: ${s}\n`);
const { values } = parseArgs({
  options: {
    articles: { type: "string", default: "10000" },
    scenarios: { type: "string", default: "local,one,two" },
    out: { type: "string", default: fileURLToPath(new URL("./results", import.meta.url)) },
  },
});
const N = Number(values.articles);
const SCENARIOS = /** @type {const} */ ({ local: [], one: ["news1"], two: ["news1", "news2"] });
const scenarios = String(values.scenarios).split(",");
for (const s of scenarios) if (!(s in SCENARIOS)) throw new Error(`no scenario ${s}`);

/** Stops everything started so far, last first. */
const cleanups = /** @type {(() => unknown)[]} */ ([]);
async function unwind() {
  while (cleanups.length > 0) {
    const f = /** @type {() => unknown} */ (cleanups.pop());
    await Promise.resolve()
      .then(f)
      .catch((e) => say(`cleanup: ${e}`));
  }
}
for (const sig of /** @type {const} */ (["SIGINT", "SIGTERM"])) {
  process.on(sig, () => void unwind().then(() => process.exit(130)));
}

/** @param {any[]} cs @param {readonly string[]} ids first receipt per id, and all receipts */
function receiptsOver(cs, ids) {
  /** @type {Map<string, number>} */
  const first = new Map();
  let total = 0;
  for (const id of ids) {
    for (const c of cs) {
      const times = /** @type {number[] | undefined} */ (c.receipts.byKey.get(id));
      if (!times) continue;
      total += times.length;
      const t = Math.min(...times);
      first.set(id, Math.min(first.get(id) ?? t, t));
    }
  }
  return { first, total };
}

/** Waits until every id has a receipt, or none came for `quietMs`. @param {any[]} cs @param {string[]} ids */
async function delivered(cs, ids, quietMs = 60_000) {
  let last = -1;
  let since = nowMs();
  for (;;) {
    const n = receiptsOver(cs, ids).first.size;
    if (n >= ids.length) return;
    if (n !== last) [last, since] = [n, nowMs()];
    if (nowMs() - since > quietMs) return;
    await sleep(50);
  }
}

async function main() {
  preflight({ feed: "busy" });
  const machine = { ...machineInfo(null), loadBefore: load() };
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  await reapLeftovers(tmpdir(), "newsnotify-bench-", say);
  const root = mkdtempSync(join(tmpdir(), "newsnotify-bench-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const pg = await startPostgres();
  cleanups.push(() => pg.stop());
  const inn = await startInn({
    root,
    port: await freePort(),
    newsfeedsExtra: "",
    historySize: Math.max(20_000, 2 * (N + 10) * scenarios.length),
  });
  cleanups.push(() => inn.stop());
  inn.newgroup(GROUP);
  const phase = (/** @type {string} */ name, /** @type {number} */ count) =>
    feed({ port: inn.port, runId, phase: name, count, rate: 0 });
  await phase("warm", 1);
  const clock = await startHistoryClock({
    pid: inn.pid,
    innd: `${INNBIN}/innd`,
    maxEvents: 2 * (N + 10) * scenarios.length + 10_000,
  });
  cleanups.push(() => clock.stop());

  /** @type {{name: string, nodes: number, ids: string[], accepted: number, cpu: any, cs: any[], feedMs: number}[]} */
  const runs = [];
  for (const name of scenarios) {
    const nodes = SCENARIOS[/** @type {keyof typeof SCENARIOS} */ (name)];
    const url = nodes.length > 0 ? pg.database(`nn_${name}`) : "";
    const mark = cleanups.length;
    const rx = stamper({ kind: "http" });
    cleanups.push(() => rx.stop());
    const receipts = new Receipts();
    rx.events.on("body", (/** @type {{at: number, body: Uint8Array}} */ m) => {
      for (const id of messageIdsOf(m.body)) receipts.add(id, m.at);
    });
    const hook = `http://127.0.0.1:${(await rx.ready).port}/hook`;
    const watchers = (nodes.length > 0 ? nodes : ["local"]).map((node) =>
      newsnotifyContender({
        spool: inn.spool,
        activeFile: inn.activeFile,
        env: inn.env,
        dir: root,
        log: say,
        url: hook,
        extraConfig: url ? `cluster:\n  postgres: ${url}\n  node: ${node}\n` : undefined,
      }),
    );
    const cs = [{ receipts }];
    for (const c of watchers) {
      cleanups.push(() => c.stop());
      await c.start();
    }
    say(`${name}: ${watchers.length} watcher(s) ready${url ? ` on ${url}` : ""}`);
    const sync = await phase(`sync-${name}`, 5);
    await delivered(cs, sync.ids, 30_000);
    if (receiptsOver(cs, sync.ids).first.size < 5)
      throw new Error(`${name}: sync articles not seen`);
    await sleep(1000);
    const groups = () => ({
      newsnotify: watchers.flatMap((c) => c.pids()),
      postgres: url ? pg.pids() : [],
      innd: [inn.pid],
    });
    const before = cpuSnapshot(groups());
    say(`${name}: feeding a burst of ${N}`);
    const fed = await feed({ port: inn.port, runId, phase: `burst-${name}`, count: N, rate: 0 });
    await delivered(cs, fed.ids);
    const cpu = cpuDelta(before, cpuSnapshot(groups()));
    await sleep(1500); // a late duplicate still counts
    runs.push({
      name,
      nodes: watchers.length,
      ids: fed.ids,
      accepted: fed.accepted,
      cpu,
      cs,
      feedMs: fed.endMs - fed.startMs,
    });
    while (cleanups.length > mark) await /** @type {() => unknown} */ (cleanups.pop())();
  }
  await clock.stop();

  const results = runs.map((r) => {
    const { first, total } = receiptsOver(r.cs, r.ids);
    const stored = r.ids.map((id) => clock.byMessageId.get(id)).filter((t) => t !== undefined);
    const latencies = r.ids.flatMap((id) => {
      const at = clock.byMessageId.get(id);
      const got = first.get(id);
      return at !== undefined && got !== undefined ? [got - at] : [];
    });
    const lat = summarize(latencies);
    const lastReceipt = Math.max(...first.values());
    const seconds = (lastReceipt - Math.min(...stored)) / 1000;
    const per = (/** @type {number} */ s) => round3((s * 1000) / Math.max(1, first.size));
    return {
      scenario: r.name,
      watchers: r.nodes,
      accepted: r.accepted,
      delivered: first.size,
      duplicated: total - first.size,
      feedSeconds: round3(r.feedMs / 1000),
      seconds: round3(seconds),
      perSecond: Math.round(first.size / seconds),
      p50Ms: round3(lat.p50 ?? Number.NaN),
      p99Ms: round3(lat.p99 ?? Number.NaN),
      cpuMsPerArticle: {
        newsnotify: per(r.cpu.newsnotify?.seconds ?? 0),
        postgres: per(r.cpu.postgres?.seconds ?? 0),
        innd: per(r.cpu.innd?.seconds ?? 0),
      },
    };
  });
  const doc = {
    when: new Date().toISOString(),
    articles: N,
    machine: { ...machine, loadAfter: load() },
    results,
  };
  mkdirSync(String(values.out), { recursive: true });
  writeFileSync(
    join(String(values.out), `cluster-burst-${N}.json`),
    `${JSON.stringify(doc, null, 2)}\n`,
  );
  const rows = results.map(
    (x) =>
      `| ${x.scenario} (${x.watchers} watcher${x.watchers > 1 ? "s" : ""}) | ${x.delivered}/${x.accepted} | ${x.duplicated} | ${x.perSecond} | ${x.p50Ms} | ${x.p99Ms} | ${x.cpuMsPerArticle.newsnotify} | ${x.cpuMsPerArticle.postgres} | ${x.cpuMsPerArticle.innd} |`,
  );
  process.stdout.write(
    `burst of ${N}, load ${machine.loadBefore} before, ${doc.machine.loadAfter} after\n\n` +
      "| scenario | delivered | duplicated | articles/s | p50 ms | p99 ms | CPU ms/article: newsnotify (all watchers) | PostgreSQL | innd |\n" +
      "|---|---|---|---|---|---|---|---|---|\n" +
      `${rows.join("\n")}\n`,
  );
}

try {
  await main();
} finally {
  await unwind();
}
