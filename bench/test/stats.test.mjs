// @ts-check
import assert from "node:assert/strict";
import { test } from "node:test";
import { cdfPoints, percentile, summarize } from "../lib/stats.mjs";

test("nearest-rank percentiles never invent a value", () => {
  const s = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.equal(percentile(s, 50), 5);
  assert.equal(percentile(s, 95), 10);
  assert.equal(percentile(s, 99), 10);
  assert.equal(percentile(s, 0), 1);
  assert.equal(percentile([], 50), null);
});

test("summarize sorts its input and reports the mean", () => {
  assert.deepEqual(summarize([3, 1, 2]), { n: 3, min: 1, p50: 2, p95: 3, p99: 3, max: 3, mean: 2 });
  assert.equal(summarize([]).p99, null);
});

test("CDF points end at 100% and keep the whole last percent", () => {
  const samples = Array.from({ length: 10_000 }, (_, i) => i);
  const pts = cdfPoints(samples, 100);
  assert.deepEqual(pts.at(-1), [9999, 1]);
  assert.ok(pts.filter(([, f]) => f > 0.99).length >= 99);
  assert.ok(pts.length < 300);
});
