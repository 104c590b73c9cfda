// @ts-check
import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultLabel, parseOptions, UsageError, unsupportedCombination } from "../lib/options.mjs";

test("defaults: 2,000 articles in a burst, 3 runs, mode auto, tradspool", () => {
  const o = parseOptions([], "/r");
  assert.deepEqual(o.params, {
    articles: 2000,
    rate: 0,
    window: 64,
    runs: 3,
    mode: "auto",
    storage: "tradspool",
    baseline: false,
    bin: null,
    batch: 1,
  });
  assert.equal(o.label, "burst-2000");
  assert.equal(o.out, "/r");
});

test("options are parsed, and the label says what differs from the defaults", () => {
  const o = parseOptions(
    ["--articles", "500", "--runs", "2", "--mode", "tracepoint", "--storage", "timehash"],
    "/r",
  );
  assert.equal(o.params.runs, 2);
  assert.equal(o.params.mode, "tracepoint");
  assert.equal(o.label, "burst-500-tracepoint-timehash");
  assert.equal(
    defaultLabel({ articles: 2000, rate: 100, batch: 100, mode: "uprobe", storage: "cnfs" }),
    "paced-100-2000-batch100-uprobe-cnfs",
  );
});

test("every bad option is reported at once", () => {
  assert.throws(
    () =>
      parseOptions(["--runs", "0", "--articles", "x", "--mode", "fanotify", "--storage", "ovdb"]),
    (/** @type {any} */ e) =>
      e instanceof UsageError &&
      /--runs: expected an integer ≥ 1, got "0"/.test(e.message) &&
      /--articles/.test(e.message) &&
      /--mode: expected one of auto, kprobe, tracepoint, uprobe, got "fanotify"/.test(e.message) &&
      /--storage: expected one of tradspool, timehash, timecaf, cnfs/.test(e.message),
  );
  assert.throws(() => parseOptions(["--nope"]), UsageError);
  assert.throws(() => parseOptions(["--label", "../x"]), /--label/);
});

test("file-creation modes cannot see storage methods without a file per article", () => {
  for (const mode of ["auto", "kprobe", "tracepoint"]) {
    for (const storage of ["timecaf", "cnfs"]) {
      assert.match(String(unsupportedCombination(mode, storage)), /use --mode uprobe/i);
      assert.throws(() => parseOptions(["--mode", mode, "--storage", storage]), UsageError);
    }
    assert.equal(unsupportedCombination(mode, "tradspool"), null);
    assert.equal(unsupportedCombination(mode, "timehash"), null);
  }
  assert.equal(unsupportedCombination("uprobe", "cnfs"), null);
  assert.equal(parseOptions(["--mode", "uprobe", "--storage", "cnfs"]).params.storage, "cnfs");
});
