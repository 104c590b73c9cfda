// @ts-check
import assert from "node:assert/strict";
import { test } from "node:test";
import { Receipts } from "../lib/contenders/receipts.mjs";
import { buildResults } from "../lib/results.mjs";

/** A run of 2 articles: innd used 1.0 s by its schedstat, newsnotify's processes 0.5 s. */
function raw(/** @type {any} */ bpf) {
  const filed = [
    { id: "<a>", path: null, createdMs: 100 },
    { id: "<b>", path: null, createdMs: 110 },
  ];
  const nn = {
    name: "newsnotify",
    label: "nn",
    what: "",
    keyKind: "messageId",
    receipts: new Receipts(),
  };
  const ch = {
    name: "channel",
    label: "ch",
    what: "",
    keyKind: "messageId",
    receipts: new Receipts(),
  };
  nn.receipts.add("<a>", 150);
  nn.receipts.add("<b>", 160);
  ch.receipts.add("<a>", 101);
  ch.receipts.add("<b>", 111);
  return {
    label: "t",
    params: { articles: 2, rate: 0, runs: 1, mode: "auto", storage: "cnfs", batch: 1 },
    machine: {},
    baseline: null,
    fed: { ids: ["<a>", "<b>"], accepted: 2, rejected: 0, other: [], startMs: 90, endMs: 120 },
    filed,
    contenders: [nn, ch],
    cpu: {
      innd: { seconds: 1.0 },
      newsnotify: { seconds: 0.5, perPid: {} },
      channel: { seconds: 0.1 },
    },
    bpf,
    rss: { newsnotify: [{ pid: 1, comm: "node", peakRssMb: 70 }] },
    startup: {},
    messages: {},
    reference: "history",
    windowMs: 100,
  };
}

test("BPF run time counts as newsnotify's CPU, and comes out of innd's", () => {
  const r = buildResults(
    raw({ newsnotify: { runTimeNs: 0.1e9, runCnt: 10 }, clock: { runTimeNs: 0.1e9, runCnt: 2 } }),
  );
  const nn = r.contenders.newsnotify;
  assert.equal(nn.processCpuSec, 0.5);
  assert.equal(nn.bpfSec, 0.1);
  assert.equal(nn.cpuSec, 0.6);
  assert.equal(nn.cpuMsPerArticle, 300);
  assert.equal(r.innd.measuredCpuSec, 1.0);
  assert.equal(r.innd.cpuSec, 0.8); // less newsnotify's and the clock's programs
  assert.equal(nn.cpuPctOfInnd, 75);
  assert.deepEqual(r.targets.cpuPerArticle.value, { newsnotifyMs: 300, inndOwnMs: 400 });
  assert.equal(r.targets.cpuPerArticle.pass, true);
  assert.match(r.clock, /InndHisWrite/);
});

test("without BPF counters, the figures are the processes' alone", () => {
  const r = buildResults(raw(null));
  assert.equal(r.contenders.newsnotify.cpuSec, 0.5);
  assert.equal(r.contenders.newsnotify.bpfSec, null);
  assert.equal(r.innd.cpuSec, 1.0);
  // Keyed by Message-ID: articles with no path (CNFS) are delivered and timed all the same.
  assert.equal(r.contenders.newsnotify.delivered, 2);
  assert.equal(r.contenders.newsnotify.latencyMs.p50, 50);
  assert.equal(r.targets.burstP99.applies, false);
});

test("busy feed: wanted and unwanted counted apart, CPU as a multiple of innd's, its targets", () => {
  const input = raw({
    newsnotify: { runTimeNs: 0, runCnt: 0 },
    clock: { runTimeNs: 0, runCnt: 0 },
  });
  input.params = { ...input.params, feed: "busy", articles: 3 };
  input.fed = { ...input.fed, ids: ["<a>", "<b>", "<u>"], accepted: 3 };
  input.contenders[0]?.receipts.add("<u>", 170); // newsnotify delivered an unwanted article
  const r = buildResults({
    ...input,
    expected: ["<a>", "<b>"],
    unwanted: ["<u>"],
    mix: { group: "busy.wanted", planned: { articles: 3 } },
  });
  const nn = r.contenders.newsnotify;
  assert.equal(nn.delivered, 2);
  assert.equal(nn.unwantedDelivered, 1);
  assert.equal(nn.other, 0);
  assert.equal(nn.cpuRatioToInnd, 0.5);
  assert.equal(r.contenders.channel.unwantedDelivered, 0);
  assert.deepEqual(r.mix?.accepted, { wanted: 2, unwanted: 1 });
  assert.equal(r.targets.busyExact.applies, true);
  assert.equal(r.targets.busyExact.pass, false);
  assert.equal(r.targets.busyCpu.pass, false); // 0.5× innd's, above 0.25×
  assert.equal(r.targets.cpuPerArticle.applies, false); // issue 12's burst targets are not the busy feed's
  assert.equal(r.targets.nodeRss.applies, false);
});
