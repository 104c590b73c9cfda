// @ts-check
/** Pure: raw measurements of one run → the results object written to latest.json. */
import { analyzeContender, creationRate } from "./analyze.mjs";
import { round3 } from "./stats.mjs";

/** Issues 12's and 22's targets, each with the scenario it is measured in. */
export const TARGETS = {
  burstThroughput: "burst of 10,000: newsnotify's throughput ≥ 0.9× the channel feed's",
  burstP99: "burst of 10,000: newsnotify's p99 ≤ 3× the channel feed's p99",
  zeroMissedDuplicated: "burst of 10,000: 0 missed, 0 duplicated",
  pacedP99: "paced ≤ 100/s: newsnotify's p99 ≤ the channel feed's p99",
  cpuPerArticle: "burst: newsnotify + bpftrace + BPF CPU per article ≤ innd's own",
  nodeRss: "burst: node's peak RSS ≤ 80 MB",
  busyCpu:
    "busy feed, narrow subscription: newsnotify CPU (node + bpftrace + BPF) ≤ 0.25× innd's own (issue 22: in every run)",
  busyExact: "busy feed: every wanted article delivered once, nothing else delivered (issue 22)",
  burstCpu22: "burst of 10,000: newsnotify CPU ≤ 1.5× innd's own (issue 22: the median)",
  burstThroughput22:
    "burst of 10,000: newsnotify's throughput ≥ 0.9× the channel feed's (issue 22: in every run)",
  pacedP99x15: "paced ≤ 100/s: newsnotify's p99 ≤ 1.5× the channel feed's p99 (issue 22)",
  readyRss50: "node's RSS once ready ≤ 50 MB (issue 22; default config)",
};

const sum = (/** @type {(number|null)[]} */ xs) => xs.reduce((a, b) => (a ?? 0) + (b ?? 0), 0) ?? 0;

/** @param {any} r raw measurements (see run.mjs) */
export function buildResults(r) {
  // What each contender should report: all accepted articles, or those a narrow subscription wants.
  const expected = r.expected ?? r.fed.ids;
  const unwanted = r.unwanted ?? [];
  const inndMeasured = r.cpu.innd?.seconds ?? 0;
  // BPF programs run in the context of whatever process hit the probe, mostly innd: its schedstat
  // holds their run time. Subtracting all of it gives a lower bound of innd's own CPU (some of
  // those runs were other processes' system calls), so the ratio below is never flattering.
  const bpfAll = Object.values(r.bpf ?? {}).reduce(
    (n, /** @type {any} */ b) => n + (b?.runTimeNs ?? 0) / 1e9,
    0,
  );
  const inndCpu = Math.max(0, inndMeasured - bpfAll);
  const perArticle = (/** @type {number | null} */ sec) =>
    sec !== null && r.fed.accepted ? round3((sec * 1000) / r.fed.accepted) : null;
  /** @type {Record<string, any>} */
  const contenders = {};
  for (const c of r.contenders) {
    const a = analyzeContender({
      expected,
      filed: r.filed,
      reported: { name: c.name, keyKind: c.keyKind, byKey: c.receipts.byKey },
      unwanted,
    });
    const processCpuSec = r.cpu[c.name]?.seconds ?? null;
    const bpf = r.bpf?.[c.name] ?? null;
    const bpfSec = bpf ? bpf.runTimeNs / 1e9 : null;
    const cpuSec = processCpuSec === null ? null : round3(processCpuSec + (bpfSec ?? 0));
    const procs = r.rss[c.name] ?? [];
    contenders[c.name] = {
      label: c.label,
      what: c.what,
      ...a,
      /** Its processes' CPU plus its BPF programs' run time (in other processes' context). */
      cpuSec,
      processCpuSec,
      bpfSec: bpfSec === null ? null : round3(bpfSec),
      bpf,
      cpuMsPerArticle: perArticle(cpuSec),
      bpfMsPerArticle: perArticle(bpfSec),
      cpuPctOfInnd: cpuSec !== null && inndCpu > 0 ? round1((100 * cpuSec) / inndCpu) : null,
      peakRssMb: procs.length
        ? round1(sum(procs.map((/** @type {any} */ p) => p.peakRssMb)))
        : null,
      processes: procs.map((/** @type {any} */ p) => ({
        pid: p.pid,
        comm: p.comm,
        cpuSec: r.cpu[c.name]?.perPid?.[p.pid] ?? null,
        peakRssMb: round1(p.peakRssMb),
        rssMb: round1(p.rssMb),
        anonMb: round1(p.anonMb),
        fileMb: round1(p.fileMb),
      })),
      /** Its CPU per article as a multiple of innd's own. */
      cpuRatioToInnd: cpuSec !== null && inndCpu > 0 ? round3(cpuSec / inndCpu) : null,
      startup: r.startup[c.name] ?? null,
      messages: (r.messages[c.name] ?? []).slice(0, 40),
      /** Events bpftrace reported lost (perf buffer overflow), summed from the log. */
      lostEvents: sumLost(r.messages[c.name] ?? []),
    };
  }
  const feedMs = r.fed.endMs - r.fed.startMs;
  return {
    version: 2,
    label: r.label,
    date: new Date().toISOString(),
    params: r.params,
    machine: r.machine,
    clock:
      r.reference === "history"
        ? "CLOCK_MONOTONIC: reference = bpftrace nsecs at innd's InndHisWrite (article stored); " +
          "receipt = process.hrtime in a receiver thread when the notification is in hand"
        : "CLOCK_MONOTONIC: reference = bpftrace nsecs at ext4_allocate_inode in innd's open(); " +
          "receipt = process.hrtime in a receiver thread when the notification is in hand",
    /** The busy feed's mix and subscription (null for the uniform feed). */
    mix: r.mix
      ? { ...r.mix, accepted: { wanted: expected.length, unwanted: unwanted.length } }
      : null,
    feed: {
      accepted: r.fed.accepted,
      mb: r.fed.bytes === undefined ? null : round1(r.fed.bytes / 1e6),
      rejected: r.fed.rejected,
      otherReplies: r.fed.other,
      feedMs: round3(feedMs),
      acceptedPerSec: feedMs > 0 ? Math.round((r.fed.accepted / feedMs) * 1000) : null,
      filesFound: r.filed.length,
      filesClocked: r.filed.filter((/** @type {any} */ f) => f.createdMs !== null).length,
      createdPerSec: creationRate(r.filed),
      measuredWindowMs: round3(r.windowMs),
    },
    innd: {
      /** innd's schedstat minus every BPF program's run time (see above). */
      cpuSec: round3(inndCpu),
      measuredCpuSec: inndMeasured,
      cpuMsPerArticle: perArticle(inndCpu),
      measuredCpuMsPerArticle: perArticle(inndMeasured),
      peakRssMb: round1(r.rss.innd?.[0]?.peakRssMb ?? null),
    },
    baseline: r.baseline && {
      ...r.baseline,
      cpuMsPerArticle: r.baseline.accepted
        ? round3((r.baseline.inndCpuSec * 1000) / r.baseline.accepted)
        : null,
    },
    creationClock: {
      startupMs: round1(r.startup.creationClockMs),
      reference: r.reference,
      bpf: r.bpf?.clock ?? null,
      messages: r.messages.clock,
    },
    contenders,
    targets: targets(r.params, contenders, perArticle(inndCpu), inndCpu),
  };
}

/**
 * Issues 12's and 22's targets for this run. @param {any} p params
 * @param {Record<string, any>} c contenders @param {number | null} inndOwnMs innd's own CPU per article
 * @param {number} [inndOwnSec] innd's own CPU over the run
 */
export function targets(p, c, inndOwnMs, inndOwnSec = 0) {
  const nn = c.newsnotify;
  const ch = c.channel;
  const busy = p.feed === "busy";
  const burst = p.rate === 0 && !busy;
  const big = burst && p.articles >= 10_000;
  const ratio = nn.cpuSec !== null && inndOwnSec > 0 ? nn.cpuSec / inndOwnSec : null;
  const ready = (nn.startup?.rssAtReady ?? []).find(
    (/** @type {any} */ x) => x.comm !== "bpftrace",
  );
  const node = (nn.processes ?? []).find((/** @type {any} */ x) => x.comm !== "bpftrace");
  const le = (/** @type {number|null} */ x, /** @type {number|null} */ y) =>
    x !== null && x !== undefined && y !== null && y !== undefined && x <= y;
  return {
    burstThroughput: {
      applies: big,
      value: { newsnotify: nn.throughput, channel: ch?.throughput ?? null },
      pass: le(0.9 * (ch?.throughput ?? Infinity), nn.throughput),
    },
    burstP99: {
      applies: big,
      value: { newsnotify: nn.latencyMs.p99, channel: ch?.latencyMs.p99 ?? null },
      pass: le(nn.latencyMs.p99, 3 * (ch?.latencyMs.p99 ?? Number.NaN)),
    },
    zeroMissedDuplicated: {
      applies: big,
      value: { missed: nn.missed, duplicated: nn.duplicated },
      pass: nn.missed === 0 && nn.duplicated === 0,
    },
    pacedP99: {
      applies: p.rate > 0 && p.rate <= 100 && !busy,
      value: { newsnotify: nn.latencyMs.p99, channel: ch?.latencyMs.p99 ?? null },
      pass: le(nn.latencyMs.p99, ch?.latencyMs.p99 ?? null),
    },
    cpuPerArticle: {
      applies: burst,
      value: { newsnotifyMs: nn.cpuMsPerArticle, inndOwnMs },
      pass: le(nn.cpuMsPerArticle, inndOwnMs),
    },
    nodeRss: {
      applies: burst,
      value: node?.peakRssMb ?? null,
      pass: le(node?.peakRssMb ?? null, 80),
    },
    busyCpu: {
      applies: busy && p.rate === 0,
      value: { newsnotifyMs: nn.cpuMsPerArticle, inndOwnMs, ratio: ratio && round3(ratio) },
      pass: le(ratio, 0.25),
    },
    busyExact: {
      applies: busy,
      value: { missed: nn.missed, duplicated: nn.duplicated, unwanted: nn.unwantedDelivered },
      pass: nn.missed === 0 && nn.duplicated === 0 && nn.unwantedDelivered === 0,
    },
    burstCpu22: {
      applies: big,
      value: { newsnotifyMs: nn.cpuMsPerArticle, inndOwnMs, ratio: ratio && round3(ratio) },
      pass: le(ratio, 1.5),
    },
    burstThroughput22: {
      applies: big,
      value: { newsnotify: nn.throughput, channel: ch?.throughput ?? null },
      pass: le(0.9 * (ch?.throughput ?? Infinity), nn.throughput),
    },
    pacedP99x15: {
      applies: p.rate > 0 && p.rate <= 100 && !busy,
      value: { newsnotify: nn.latencyMs.p99, channel: ch?.latencyMs.p99 ?? null },
      pass: le(nn.latencyMs.p99, 1.5 * (ch?.latencyMs.p99 ?? Number.NaN)),
    },
    readyRss50: {
      applies: !busy && (p.batch ?? 1) === 1,
      value: ready?.rssMb ?? null,
      pass: le(ready?.rssMb ?? null, 50),
    },
  };
}

/** @param {string[]} lines */
function sumLost(lines) {
  return lines.reduce((n, l) => n + Number(/lost (\d+) events/.exec(l)?.[1] ?? 0), 0);
}

/** @param {number | null} x */
function round1(x) {
  return x === null || x === undefined ? null : Math.round(x * 10) / 10;
}

/**
 * One JSON line per fed article: when its file was created and when each contender reported it.
 * @param {import("./analyze.mjs").Filed[]} filed @param {any[]} contenders
 */
export function rawRows(filed, contenders) {
  const rows = filed
    .sort((x, y) => (x.createdMs ?? 0) - (y.createdMs ?? 0))
    .map((f) => {
      /** @type {Record<string, unknown>} */
      const row = { id: f.id, path: f.path, createdMs: f.createdMs };
      for (const c of contenders)
        row[c.name] = c.receipts.byKey.get((c.keyKind === "path" ? f.path : f.id) ?? "") ?? [];
      return JSON.stringify(row);
    });
  return `${rows.join("\n")}\n`;
}
