// @ts-check
import assert from "node:assert/strict";
import { test } from "node:test";
import { messageId } from "../lib/articles.mjs";
import {
  busyArticle,
  describeMix,
  MIX_DEFAULTS,
  mixGroups,
  planMix,
  subscriptionSets,
  WANTED_GROUP,
} from "../lib/mix.mjs";

const plan = planMix(2000, MIX_DEFAULTS);
/** Wire bytes as innd gets them (the article is written latin1). */
const wireBytes = (/** @type {string} */ wire) => Buffer.byteLength(wire, "latin1");

test("the same seed gives the same plan; another seed another one", () => {
  assert.deepEqual(planMix(2000, MIX_DEFAULTS), plan);
  const other = planMix(2000, { ...MIX_DEFAULTS, seed: 2 });
  assert.notDeepEqual(other, plan);
  const a = busyArticle("r", "burst", /** @type {any} */ (plan[5]), 1).wire;
  const b = busyArticle("r", "burst", /** @type {any} */ (plan[5]), 1).wire;
  assert.equal(a, b);
});

test("exact counts: 10 % binaries, 3 % wanted, half of those crossposted", () => {
  assert.deepEqual((({ bytes, ...counts }) => counts)(describeMix(plan)), {
    articles: 2000,
    binaries: 200,
    wanted: 60,
    wantedCrossposts: 30,
  });
});

test("a wanted crosspost names the wanted group second: innd files it elsewhere first", () => {
  const crossposts = plan.filter((s) => s.wanted && s.newsgroups.length > 1);
  assert.equal(crossposts.length, 30);
  for (const s of crossposts) {
    assert.notEqual(s.newsgroups[0], WANTED_GROUP);
    assert.equal(s.newsgroups[1], WANTED_GROUP);
  }
  for (const s of plan.filter((x) => !x.wanted)) assert.ok(!s.newsgroups.includes(WANTED_GROUP));
  // Unwanted crossposts exist too (to two unwanted groups).
  assert.ok(plan.some((s) => !s.wanted && s.newsgroups.length === 2));
});

test("binaries are 300–700 KB in alt.binaries.*, text 1–3 KB elsewhere, within a line", () => {
  const groups = new Set(mixGroups(MIX_DEFAULTS));
  assert.equal(groups.size, 26);
  for (const s of plan.slice(0, 400)) {
    const { wire } = busyArticle("r", "burst", s, MIX_DEFAULTS.seed);
    const n = wireBytes(wire);
    for (const g of s.newsgroups) assert.ok(groups.has(g), g);
    if (s.kind === "binary") {
      assert.match(s.newsgroups[0] ?? "", /^alt\.binaries\./);
      assert.ok(n >= 300 * 1024 - 400 && n <= 700 * 1024, `binary of ${n} bytes`);
    } else {
      assert.ok(n >= 1024 && n <= 3072 + 200, `text of ${n} bytes`);
    }
    assert.ok(Math.abs(n - s.bytes) < 400, `slot ${s.index}: ${n} vs ${s.bytes}`);
  }
});

test("articles are NNTP wire format: CRLF only, dot-stuffed, terminated, 8-bit only in binaries", () => {
  const text = /** @type {any} */ (plan.find((s) => s.kind === "text"));
  const bin = /** @type {any} */ (plan.find((s) => s.kind === "binary"));
  for (const s of [text, bin]) {
    const { id, wire } = busyArticle("run1", "burst", s, 1);
    assert.equal(id, messageId("run1", "burst", s.index));
    assert.ok(wire.endsWith("\r\n.\r\n"));
    assert.ok(!/[^\r]\n/.test(wire) && !/\r[^\n]/.test(wire), "every line ends with CRLF");
    assert.ok(!/[\0]/.test(wire));
    assert.ok(!/\r\n\.[^.\r]/.test(wire.slice(0, -3)), "no line starts with a lone dot");
    assert.ok(wire.includes(`\r\nNewsgroups: ${s.newsgroups.join(",")}\r\n`));
    const [head] = wire.split("\r\n\r\n");
    assert.ok(/^[\x20-\x7e\r\n\t]*$/.test(head ?? ""), "headers are ASCII");
  }
  assert.ok(busyArticle("r", "burst", text, 1).wire.includes("\r\n..a line that needs"));
  assert.match(busyArticle("r", "burst", bin, 1).wire, /[\x80-\xff]/);
});

test("wanted and unwanted: the accepted articles split by the plan, refused ones in neither", () => {
  const small = planMix(100, { ...MIX_DEFAULTS, wantShare: 0.1 });
  const ids = small.map((s) => messageId("r", "burst", s.index));
  const refused = ids.filter((_, i) => i % 10 === 0);
  const accepted = ids.filter((id) => !refused.includes(id));
  const { wanted, unwanted } = subscriptionSets(small, "r", "burst", accepted);
  assert.equal(wanted.length + unwanted.length, accepted.length);
  const plannedWanted = small.filter((s) => s.wanted).map((s) => messageId("r", "burst", s.index));
  assert.deepEqual(
    wanted,
    plannedWanted.filter((id) => !refused.includes(id)),
  );
  assert.equal(plannedWanted.length, 10);
  for (const id of refused) assert.ok(!wanted.includes(id) && !unwanted.includes(id));
});
