// @ts-check
import assert from "node:assert/strict";
import { request } from "node:http";
import { test } from "node:test";
import { nowMs } from "../lib/clock.mjs";
import { benchConfig, messageIdsOf } from "../lib/contenders/newsnotify.mjs";
import { lineSplitter } from "../lib/contenders/receipts.mjs";
import { stamper } from "../lib/contenders/stamper.mjs";

test("lines split across chunks carry the stamp of the chunk that completed them", () => {
  /** @type {[string, number][]} */
  const got = [];
  const split = lineSplitter((line, at) => got.push([line, at]));
  split("a b\nc", 1);
  split(" d\ne f\n", 2);
  split("g", 3);
  assert.deepEqual(got, [
    ["a b", 1],
    ["c d", 2],
    ["e f", 2],
  ]);
});

test("webhook bodies give Message-IDs, one or a batch, with no path field needed", () => {
  const enc = (/** @type {unknown} */ x) => new TextEncoder().encode(JSON.stringify(x));
  assert.deepEqual(messageIdsOf(enc({ messageId: "<a@x>", path: null })), ["<a@x>"]);
  assert.deepEqual(
    messageIdsOf(enc({ articles: [{ messageId: "<a@x>" }, { messageId: "<b@x>" }] })),
    ["<a@x>", "<b@x>"],
  );
  assert.deepEqual(messageIdsOf(new TextEncoder().encode("{")), ["(unparsable body)"]);
});

test("newsnotify's config carries the mode, and batch only when asked", () => {
  const c = { spool: "/s", activeFile: "/a", stateDir: "/st", url: "http://127.0.0.1:1/hook" };
  const one = benchConfig({ ...c, mode: "uprobe", batch: 1 });
  assert.match(one, /^mode: uprobe$/m);
  assert.doesNotMatch(one, /batch/);
  assert.match(benchConfig({ ...c, mode: "auto", batch: 100 }), /^ {4}batch: 100$/m);
  assert.doesNotMatch(one, /groups/);
  // The busy feed's narrow subscription: a wildmat on the webhook, quoted for YAML.
  const busy = benchConfig({ ...c, mode: "auto", batch: 1, groups: "busy.wanted" });
  assert.match(busy, /^ {2}- type: webhook\n {4}url: .*\n {4}groups: "busy.wanted"$/m);
});

test("newsnotify's config takes more top-level YAML after the notifiers (the cluster bench's cluster:)", () => {
  const c = { spool: "/s", activeFile: "/a", stateDir: "/st", url: "http://127.0.0.1:1/hook" };
  const yaml = benchConfig({ ...c, mode: "auto", batch: 1, extra: "cluster:\n  node: news2\n" });
  assert.match(yaml, /\n {4}url: http:\S+\ncluster:\n {2}node: news2\n$/);
  assert.doesNotMatch(benchConfig({ ...c, mode: "auto", batch: 1 }), /cluster/);
});

test("an HTTP receiver thread stamps each body on arrival and hands it over whole", async () => {
  const s = stamper({ kind: "http" });
  /** @type {{at: number, body: Uint8Array}[]} */
  const got = [];
  s.events.on("body", (m) => got.push(m));
  const { port } = await s.ready;
  const before = nowMs();
  await new Promise((resolve, reject) => {
    const req = request({ port, host: "127.0.0.1", method: "POST", path: "/hook" }, (res) => {
      res.resume();
      res.on("end", resolve);
    });
    req.on("error", reject);
    req.end(JSON.stringify({ messageId: "<x@y>" }));
  });
  const after = nowMs();
  await s.stop(); // every message stamped before stop() has arrived once it resolves
  assert.equal(got.length, 1);
  const [m] = got;
  assert.deepEqual(messageIdsOf(/** @type {any} */ (m).body), ["<x@y>"]);
  assert.ok(before <= (m?.at ?? 0) && (m?.at ?? 0) <= after, "stamped between send and reply");
});

test("a child's output is stamped in its receiver thread, and its exit reported", async () => {
  const s = stamper({
    kind: "spawn",
    cmd: process.execPath,
    args: ["-e", "console.log('one\\ntwo')"],
  });
  /** @type {string[]} */
  const lines = [];
  const split = lineSplitter((line) => lines.push(line));
  s.events.on("chunk", (m) => split(m.text, m.at));
  const exit = new Promise((r) => s.events.once("exit", r));
  assert.ok((await s.ready).pid > 0);
  assert.equal(/** @type {any} */ (await exit).code, 0);
  await s.stop();
  assert.deepEqual(lines, ["one", "two"]);
});

test("receipts of a set of keys: duplicates count, other keys do not", async () => {
  const { Receipts, receiptsOf } = await import("../lib/contenders/receipts.mjs");
  const r = new Receipts();
  r.add("<w1>", 1);
  r.add("<w1>", 2);
  r.add("<u>", 3);
  assert.equal(receiptsOf(r, ["<w1>", "<w2>"]), 2);
  assert.equal(receiptsOf(r, []), 0);
});
