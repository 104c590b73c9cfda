// @ts-check
import assert from "node:assert/strict";
import { test } from "node:test";
import { analyzeContender, creationRate } from "../lib/analyze.mjs";

const filed = [
  { id: "<a>", path: "/s/1", createdMs: 100 },
  { id: "<b>", path: "/s/2", createdMs: 110 },
  { id: "<c>", path: "/s/3", createdMs: 120 },
];
const expected = ["<a>", "<b>", "<c>"];

test("misses, duplicates and foreign reports are counted apart", () => {
  const byKey = new Map([
    ["<a>", [105, 300]],
    ["<b>", [112]],
    ["<zz>", [130]],
  ]);
  const r = analyzeContender({
    expected,
    filed,
    reported: { name: "x", keyKind: "messageId", byKey },
  });
  assert.equal(r.delivered, 2);
  assert.equal(r.missed, 1);
  assert.deepEqual(r.missedSample, ["<c>"]);
  assert.equal(r.duplicated, 1);
  assert.equal(r.other, 1);
  assert.equal(r.latencyMs.max, 5); // the first receipt counts, not the duplicate
  assert.equal(r.drainMs, -8); // last delivery (112) minus last creation (120)
});

test("a path-keyed contender is mapped to Message-IDs through the files", () => {
  const byKey = new Map([
    ["/s/1", [101]],
    ["/s/2", [111]],
    ["/s/3", [121]],
    ["/s/old", [1]],
  ]);
  const r = analyzeContender({ expected, filed, reported: { name: "y", keyKind: "path", byKey } });
  assert.equal(r.delivered, 3);
  assert.equal(r.other, 1);
  assert.equal(r.latencyMs.p50, 1);
  assert.equal(r.negative, 0);
});

test("innd's creation rate spans first to last file", () => {
  assert.equal(creationRate(filed), 150);
});

test("a narrow subscription: wanted delivered once, duplicates, and unwanted deliveries apart", () => {
  const byKey = new Map([
    ["<a>", [105]], // wanted, once
    ["<b>", [112, 113]], // wanted, twice
    ["<u1>", [115]], // unwanted: should not have come
    ["<u2>", [116, 117]], // unwanted, twice
    ["<zz>", [130]], // not of this phase at all
  ]);
  const r = analyzeContender({
    expected: ["<a>", "<b>", "<c>"],
    unwanted: ["<u1>", "<u2>", "<u3>"],
    filed,
    reported: { name: "x", keyKind: "messageId", byKey },
  });
  assert.equal(r.delivered, 2);
  assert.equal(r.missed, 1);
  assert.equal(r.duplicated, 1);
  assert.equal(r.unwantedDelivered, 2);
  assert.equal(r.unwantedReceipts, 3);
  assert.equal(r.other, 1);
});

test("a crosspost found once per group in a whole-spool scan counts once", async () => {
  const { uniqueById } = await import("../lib/scan.mjs");
  const scanned = [
    { id: "<x>", path: "/s/busy/text/03/7", createdMs: 5 },
    { id: "<y>", path: "/s/busy/text/04/1", createdMs: 6 },
    { id: "<x>", path: "/s/busy/wanted/2", createdMs: 5 },
  ];
  assert.deepEqual(
    uniqueById(scanned).map((f) => f.path),
    ["/s/busy/text/03/7", "/s/busy/text/04/1"],
  );
});
