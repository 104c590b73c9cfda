// @ts-check
import assert from "node:assert/strict";
import { test } from "node:test";
import { cell, medianRun, summarizeRuns } from "../lib/aggregate.mjs";
import { spread } from "../lib/stats.mjs";

test("spread: median and range, nulls left out, even counts take the middle two's mean", () => {
  assert.deepEqual(spread([174, 67, 90]), { median: 90, min: 67, max: 174, n: 3 });
  assert.deepEqual(spread([67, 174]), { median: 120.5, min: 67, max: 174, n: 2 });
  assert.deepEqual(spread([5, null, undefined, Number.NaN]), { median: 5, min: 5, max: 5, n: 1 });
  assert.deepEqual(spread([]), { median: null, min: null, max: null, n: 0 });
});

test("a cell shows the median, then the range when the runs differ", () => {
  assert.equal(cell({ median: 90, min: 67, max: 174 }, 1), "90.0 (67.0–174.0)");
  assert.equal(cell({ median: 2, min: 2, max: 2 }, 0), "2");
  assert.equal(cell({ median: 1619, min: 1500, max: 2066 }, 0), "1,619 (1,500–2,066)");
  assert.equal(cell({ median: null, min: null, max: null }), "–");
});

/** A run's results as buildResults shapes them, reduced to what the summary reads. */
const run = (
  /** @type {number} */ p99,
  /** @type {number} */ missed,
  /** @type {number} */ cpu,
) => ({
  machine: { commit: "abc1234" },
  feed: { createdPerSec: 1000 + p99 },
  innd: { cpuMsPerArticle: 0.2, measuredCpuMsPerArticle: 0.25 },
  contenders: {
    newsnotify: {
      label: "newsnotify",
      delivered: 100 - missed,
      missed,
      duplicated: 0,
      lostEvents: 0,
      latencyMs: { p50: 1, p95: 2, p99, max: p99 },
      throughput: 900,
      cpuMsPerArticle: cpu,
      bpfMsPerArticle: 0.01,
      cpuPctOfInnd: (100 * cpu) / 0.2,
      peakRssMb: 180,
      processes: [
        { comm: "node", peakRssMb: 80 },
        { comm: "bpftrace", peakRssMb: 100 },
      ],
      cpuBreakdown: { nodeMain: cpu / 2 },
    },
  },
  targets: { nodeRss: { applies: true, pass: missed === 0 } },
});

test("runs are summarised figure by figure; misses are summed over the runs", () => {
  const s = summarizeRuns([run(174, 0, 0.3), run(67, 2, 0.5), run(90, 0, 0.4)]);
  const nn = s.contenders.newsnotify;
  assert.equal(s.runs, 3);
  assert.deepEqual(s.commits, ["abc1234"]);
  const dirty = { ...run(1, 0, 0), machine: { commit: "abc1234", uncommittedSourceFiles: 2 } };
  assert.deepEqual(summarizeRuns([dirty]).commits, ["abc1234 + 2 uncommitted src files"]);
  assert.deepEqual(nn.p99, { median: 90, min: 67, max: 174, n: 3 });
  assert.deepEqual(nn.cpuMsPerArticle, { median: 0.4, min: 0.3, max: 0.5, n: 3 });
  assert.equal(nn.missedTotal, 2);
  assert.deepEqual(nn.nodePeakRssMb, { median: 80, min: 80, max: 80, n: 3 });
  assert.deepEqual(nn.cpuBreakdown.nodeMain, { median: 0.2, min: 0.15, max: 0.25, n: 3 });
  assert.deepEqual(s.innd.createdPerSec, { median: 1090, min: 1067, max: 1174, n: 3 });
  assert.deepEqual(s.targets.nodeRss, { applies: true, passed: 2, of: 3 });
});

test("the CDF drawn is the run with the median p99", () => {
  assert.equal(medianRun([run(174, 0, 0), run(67, 0, 0), run(90, 0, 0)]), 2);
  assert.equal(medianRun([run(174, 0, 0)]), 0);
});

test("busy feed: unwanted deliveries summed over the runs, CPU × innd's as median and range", async () => {
  const busy = (/** @type {number} */ unwanted, /** @type {number} */ ratio) => {
    const r = run(50, 0, ratio * 0.2);
    return {
      ...r,
      params: { feed: "busy", articles: 2000, rate: 0, mix: { binaryShare: 0.1, wantShare: 0.03 } },
      date: new Date().toISOString(),
      mix: { accepted: { wanted: 60, unwanted: 1940 } },
      feed: { ...r.feed, mb: 113 },
      contenders: {
        newsnotify: {
          ...r.contenders.newsnotify,
          delivered: 60,
          unwantedDelivered: unwanted,
          cpuRatioToInnd: ratio,
        },
      },
    };
  };
  const runs = [busy(0, 1.4), busy(2, 1.2), busy(0, 1.5)];
  const s = summarizeRuns(runs);
  assert.equal(s.contenders.newsnotify.unwantedTotal, 2);
  assert.deepEqual(s.contenders.newsnotify.cpuRatioToInnd, {
    median: 1.4,
    min: 1.2,
    max: 1.5,
    n: 3,
  });
  assert.deepEqual(s.wanted, { median: 60, min: 60, max: 60, n: 3 });
  assert.deepEqual(s.fedMb, { median: 113, min: 113, max: 113, n: 3 });
  const { busyTable } = await import("../lib/report.mjs");
  const table = busyTable([{ ...runs[0], summary: s }]);
  assert.match(table, /\| busy feed of 2,000 articles \(10 % binaries, 3 % wanted\) \| 113 \|/);
  assert.match(table, /\| 1\.40× \(1\.20–1\.50\) \| 60 of 60 \|/);
  assert.match(table, /\| 0 \/ 0 \/ 2 \|/);
});
