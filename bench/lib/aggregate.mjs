// @ts-check
/**
 * Pure: N runs of one scenario (each a results object from buildResults) → median and range
 * (min–max) of every headline figure. Single runs disagree (two identical bursts gave p99 67 vs
 * 174 ms), so the report leads with these.
 */
import { spread } from "./stats.mjs";

/** @param {any[]} runs @param {(r: any) => number | null | undefined} pick */
const over = (runs, pick) => spread(runs.map(pick));

/** @param {any[]} runs */
export function summarizeRuns(runs) {
  const first = runs[0];
  /** @type {Record<string, any>} */
  const contenders = {};
  for (const name of Object.keys(first?.contenders ?? {})) {
    const c = (/** @type {any} */ r) => r.contenders[name];
    const node = (/** @type {any} */ r) =>
      (c(r)?.processes ?? []).find((/** @type {any} */ p) => p.comm !== "bpftrace");
    contenders[name] = {
      label: c(first).label,
      delivered: over(runs, (r) => c(r)?.delivered),
      missed: over(runs, (r) => c(r)?.missed),
      duplicated: over(runs, (r) => c(r)?.duplicated),
      missedTotal: runs.reduce((n, r) => n + (c(r)?.missed ?? 0), 0),
      duplicatedTotal: runs.reduce((n, r) => n + (c(r)?.duplicated ?? 0), 0),
      /** The busy feed: articles it should not have reported, over all runs (0 otherwise). */
      unwantedTotal: runs.reduce((n, r) => n + (c(r)?.unwantedDelivered ?? 0), 0),
      otherTotal: runs.reduce((n, r) => n + (c(r)?.other ?? 0), 0),
      lostEventsTotal: runs.reduce((n, r) => n + (c(r)?.lostEvents ?? 0), 0),
      p50: over(runs, (r) => c(r)?.latencyMs.p50),
      p95: over(runs, (r) => c(r)?.latencyMs.p95),
      p99: over(runs, (r) => c(r)?.latencyMs.p99),
      max: over(runs, (r) => c(r)?.latencyMs.max),
      throughput: over(runs, (r) => c(r)?.throughput),
      cpuMsPerArticle: over(runs, (r) => c(r)?.cpuMsPerArticle),
      bpfMsPerArticle: over(runs, (r) => c(r)?.bpfMsPerArticle),
      cpuPctOfInnd: over(runs, (r) => c(r)?.cpuPctOfInnd),
      cpuRatioToInnd: over(runs, (r) => c(r)?.cpuRatioToInnd),
      peakRssMb: over(runs, (r) => c(r)?.peakRssMb),
      nodePeakRssMb: over(runs, (r) => node(r)?.peakRssMb),
    };
  }
  // newsnotify's breakdown sits under cpuBreakdown (see run.mjs); keep it beside the total.
  if (contenders.newsnotify) {
    const b = (/** @type {string} */ k) =>
      over(runs, (r) => r.contenders.newsnotify?.cpuBreakdown?.[k]);
    contenders.newsnotify.cpuBreakdown = {
      nodeMain: b("nodeMain"),
      nodeOther: b("nodeOther"),
      bpftrace: b("bpftrace"),
      bpf: b("bpf"),
      nodeSys: b("nodeSys"),
    };
  }
  const targetNames = Object.keys(first?.targets ?? {});
  return {
    runs: runs.length,
    /** The commit measured, and whether src/ had uncommitted changes then (dist/ is built from it). */
    commits: [
      ...new Set(
        runs.map(
          (r) =>
            `${r.machine?.commit ?? "unknown"}` +
            (r.machine?.uncommittedSourceFiles
              ? ` + ${r.machine.uncommittedSourceFiles} uncommitted src files`
              : ""),
        ),
      ),
    ],
    /** The busy feed: wanted articles innd accepted per run (what every contender should report). */
    wanted: over(runs, (r) => r.mix?.accepted.wanted ?? null),
    fedMb: over(runs, (r) => r.feed.mb ?? null),
    innd: {
      createdPerSec: over(runs, (r) => r.feed.createdPerSec),
      cpuMsPerArticle: over(runs, (r) => r.innd.cpuMsPerArticle),
      measuredCpuMsPerArticle: over(runs, (r) => r.innd.measuredCpuMsPerArticle),
    },
    contenders,
    /** Per target: in how many runs it applied and passed. */
    targets: Object.fromEntries(
      targetNames.map((k) => [
        k,
        {
          applies: runs.some((r) => r.targets[k]?.applies),
          passed: runs.filter((r) => r.targets[k]?.pass).length,
          of: runs.length,
        },
      ]),
    ),
  };
}

/**
 * "median (min–max)" for a table cell; one value when the range is empty.
 * @param {{median: number|null, min: number|null, max: number|null}} s @param {number} digits
 */
export function cell(s, digits = 2, unit = "") {
  if (s.median === null) return "–";
  const f = (/** @type {number | null} */ x) =>
    x === null
      ? "–"
      : x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return s.min === s.max
    ? `${f(s.median)}${unit}`
    : `${f(s.median)}${unit} (${f(s.min)}–${f(s.max)})`;
}

/** The run whose newsnotify p99 is the median one (its CDF is the one drawn). @param {any[]} runs */
export function medianRun(runs) {
  const sorted = runs
    .map((r, i) => ({ i, p99: r.contenders.newsnotify?.latencyMs.p99 ?? Infinity }))
    .sort((x, y) => x.p99 - y.p99);
  return sorted[Math.floor((sorted.length - 1) / 2)]?.i ?? 0;
}
