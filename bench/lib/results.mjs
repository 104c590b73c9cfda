// @ts-check
/** Pure: raw measurements of one run → the results object written to latest.json. */
import { analyzeContender, creationRate } from "./analyze.mjs";
import { round3 } from "./stats.mjs";

/** The targets, each with the scenario it is measured in. */
export const TARGETS = {
  zeroMissedDuplicated: "zero missed and zero duplicated at 10,000 articles",
  p99Under50ms: "p99 creation-to-webhook below 50 ms at 100 articles/s",
  cpuUnder25pct: "newsnotify + bpftrace CPU under 25% of innd's during a burst",
  rssUnder150mb: "peak RSS under 150 MB",
};

const sum = (/** @type {(number|null)[]} */ xs) => xs.reduce((a, b) => (a ?? 0) + (b ?? 0), 0) ?? 0;

/** @param {any} r raw measurements (see run.mjs) */
export function buildResults(r) {
  const expected = r.fed.ids;
  const inndCpu = r.cpu.innd?.seconds ?? 0;
  /** @type {Record<string, any>} */
  const contenders = {};
  for (const c of r.contenders) {
    const a = analyzeContender({
      expected,
      filed: r.filed,
      reported: { name: c.name, keyKind: c.keyKind, byKey: c.receipts.byKey },
    });
    const cpuSec = r.cpu[c.name]?.seconds ?? null;
    const procs = r.rss[c.name] ?? [];
    contenders[c.name] = {
      label: c.label,
      what: c.what,
      ...a,
      cpuSec,
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
      startup: r.startup[c.name] ?? null,
      messages: (r.messages[c.name] ?? []).slice(0, 40),
      /** Events bpftrace reported lost (perf buffer overflow), summed from the log. */
      lostEvents: sumLost(r.messages[c.name] ?? []),
    };
  }
  const nn = contenders.newsnotify;
  const feedMs = r.fed.endMs - r.fed.startMs;
  return {
    version: 1,
    label: r.label,
    date: new Date().toISOString(),
    params: r.params,
    machine: r.machine,
    clock:
      "CLOCK_MONOTONIC: creation = bpftrace nsecs at ext4_allocate_inode in innd's open(); " +
      "receipt = process.hrtime in the bench when the notification is in hand",
    feed: {
      accepted: r.fed.accepted,
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
      cpuSec: inndCpu,
      cpuMsPerArticle: r.fed.accepted ? round3((inndCpu * 1000) / r.fed.accepted) : null,
      peakRssMb: round1(r.rss.innd?.[0]?.peakRssMb ?? null),
    },
    baseline: r.baseline && {
      ...r.baseline,
      cpuMsPerArticle: r.baseline.accepted
        ? round3((r.baseline.inndCpuSec * 1000) / r.baseline.accepted)
        : null,
    },
    creationClock: { startupMs: round1(r.startup.creationClockMs), messages: r.messages.clock },
    contenders,
    targets: {
      zeroMissedDuplicated: {
        applies: r.params.articles >= 10_000,
        value: { missed: nn.missed, duplicated: nn.duplicated },
        pass: nn.missed === 0 && nn.duplicated === 0,
      },
      p99Under50ms: {
        applies: r.params.rate > 0 && r.params.rate <= 100,
        value: nn.latencyMs.p99,
        pass: nn.latencyMs.p99 !== null && nn.latencyMs.p99 < 50,
      },
      cpuUnder25pct: {
        applies: r.params.rate === 0,
        value: nn.cpuPctOfInnd,
        pass: nn.cpuPctOfInnd !== null && nn.cpuPctOfInnd < 25,
      },
      rssUnder150mb: {
        applies: true,
        value: nn.peakRssMb,
        pass: nn.peakRssMb !== null && nn.peakRssMb < 150,
      },
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
        row[c.name] = c.receipts.byKey.get(c.keyKind === "path" ? f.path : f.id) ?? [];
      return JSON.stringify(row);
    });
  return `${rows.join("\n")}\n`;
}
