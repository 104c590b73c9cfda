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
    feed: "uniform",
    feedSource: true,
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
  assert.equal(parseOptions(["--without-feed-source"], "/r").label, "burst-2000-nofeedsource");
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

test("--feed busy: the mix's defaults, shares given, and its own label", () => {
  const o = parseOptions(["--feed", "busy", "--want-share", "0.05", "--seed", "9"], "/r");
  assert.deepEqual(o.params.mix, {
    seed: 9,
    wantShare: 0.05,
    binaryShare: 0.1,
    crosspostShare: 0.5,
    textGroups: 20,
    binaryGroups: 5,
  });
  assert.equal(o.label, "busy-2000");
  assert.equal(
    parseOptions(["--feed", "busy", "--rate", "100"], "/r").label,
    "busy-paced-100-2000",
  );
  assert.equal(parseOptions([], "/r").params.mix, undefined);
});

test("the busy feed's options are checked, all problems at once", () => {
  assert.throws(
    () => parseOptions(["--want-share", "0.1", "--feed", "nope"], "/r"),
    (e) =>
      e instanceof UsageError &&
      /--feed: expected one of uniform, busy/.test(e.message) &&
      /--want-share: applies to --feed busy only/.test(e.message),
  );
  assert.throws(
    () => parseOptions(["--feed", "busy", "--binary-share", "1.5", "--crosspost-share", "x"], "/r"),
    (e) =>
      e instanceof UsageError &&
      /--binary-share: expected a share between 0 and 1, got "1.5"/.test(e.message) &&
      /--crosspost-share: expected a share/.test(e.message),
  );
  assert.throws(
    () => parseOptions(["--feed", "busy", "--binary-share", "0.9", "--want-share", "0.2"], "/r"),
    /more than 1/,
  );
});
