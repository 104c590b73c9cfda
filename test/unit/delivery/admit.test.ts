import { readFileSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { expect, test } from "vitest";
import { admit } from "../../../src/delivery/admit.js";
import { ClusterQueue } from "../../../src/delivery/cluster-queue.js";
import { Dispatcher } from "../../../src/delivery/dispatcher.js";
import { LocalQueue } from "../../../src/delivery/local-queue.js";
import { RecordedNotifier } from "../../../src/delivery/recorded.js";
import { targetKeys } from "../../../src/delivery/targets.js";
import { buildNotifiers } from "../../../src/notify/build.js";
import type { NotifierConfig } from "../../../src/notify/registry.js";
import { Outbox } from "../../../src/state/outbox.js";
import { makeArticle } from "../notify/article-factory.js";

const ENTRIES: NotifierConfig[] = [
  { type: "stdout", json: true, groups: "comp.*" },
  { type: "stdout", json: true, groups: "alt.*" },
  { type: "stdout", json: true },
];

async function setUp() {
  const dir = await mkdtemp(join(tmpdir(), "newsnotify-admit-"));
  const outbox = await Outbox.open(dir);
  const queue = new LocalQueue(outbox);
  const targets = targetKeys(ENTRIES);
  const notifiers = buildNotifiers(ENTRIES, { stdout: new PassThrough() }).map(
    (n, i) => new RecordedNotifier(n, targets[i] ?? ""),
  );
  const lines = async () => {
    await outbox.sync();
    const text = await readFile(join(dir, "outbox.jsonl"), "utf8").catch(() => "");
    return text
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as { op: string; target: string });
  };
  return { dir, outbox, queue, targets, notifiers, lines };
}

test("only the notifiers an article is routed to journal it", async () => {
  const { outbox, queue, targets, notifiers, lines } = await setUp();
  const [comp, alt, all] = targets;
  const article = makeArticle({ newsgroups: ["comp.lang.c"], group: "comp.lang.c" });
  expect(await admit(queue, notifiers, article)).toEqual([comp, all]);
  expect((await lines()).map((l) => [l.op, l.target])).toEqual([
    ["add", comp],
    ["add", all],
  ]);
  expect(outbox.knows(alt as string, article.messageId)).toBe(false);
  await outbox.close();
});

test("an article routed to no notifier leaves no outbox line (control messages are not routed by default)", async () => {
  const { outbox, queue, notifiers, lines } = await setUp();
  const cancel = makeArticle({ newsgroups: ["comp.lang.c"], control: "cancel <x@y>" });
  expect(await admit(queue, notifiers, cancel)).toEqual([]);
  expect(await lines()).toEqual([]);
  await outbox.close();
});

test("what was admitted is delivered and marked done; nothing is left pending", async () => {
  const { outbox, queue, notifiers, lines } = await setUp();
  const dispatcher = new Dispatcher(notifiers, {
    log: () => {},
    queue: { queue, targets: notifiers.map((n) => n.target) },
  });
  const article = makeArticle({ newsgroups: ["alt.test"], group: "alt.test" });
  expect(await admit(queue, notifiers, article)).toHaveLength(2);
  expect(await dispatcher.drain(5000)).toBe(0);
  expect(outbox.pendingCount()).toBe(0);
  expect((await lines()).map((l) => l.op)).toEqual(["add", "add", "done", "done"]);
  await dispatcher.close();
  await outbox.close();
});

/** What a SIGKILL leaves: the journal's lines as the file holds them now (no sync, no close). */
function onDisk(dir: string): string[] {
  return readFileSync(join(dir, "outbox.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.includes('"op":"add"'));
}

test("durable when it resolves, as documented: its lines are in the file, with no sync or close", async () => {
  const { dir, outbox, notifiers } = await setUp();
  const article = makeArticle({ newsgroups: ["alt.test"], group: "alt.test" });
  const pending = admit(new LocalQueue(outbox, { ownsStore: false }), notifiers, article);
  await pending;
  expect(onDisk(dir)).toHaveLength(2);
  await outbox.close();
});

test("cluster mode, PostgreSQL unreachable: durable when it resolves too (this node's journal)", async () => {
  const { dir, outbox, notifiers } = await setUp();
  const queue = await ClusterQueue.start({
    journal: outbox,
    node: "news1",
    where: "postgresql://db/nn",
    log: () => {},
    connect: () => Promise.reject(new Error("ECONNREFUSED")),
    fatal: () => false,
  });
  const article = makeArticle({ newsgroups: ["comp.lang.c"], group: "comp.lang.c" });
  expect(await admit(queue, notifiers, article)).toHaveLength(2);
  expect(onDisk(dir)).toHaveLength(2);
  await queue.close();
  await outbox.close();
});
