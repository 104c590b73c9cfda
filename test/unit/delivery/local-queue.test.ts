/** The local journal behind the delivery queue interface: claims, leases, and what reaches the file. */
import { readFileSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Article } from "../../../src/article/article.js";
import { Dispatcher } from "../../../src/delivery/dispatcher.js";
import { LocalQueue } from "../../../src/delivery/local-queue.js";
import { MemoryStore } from "../../../src/delivery/memory-store.js";
import { DeliveryError } from "../../../src/notify/http.js";
import type { Notifier } from "../../../src/notify/notifier.js";
import { Outbox } from "../../../src/state/outbox.js";
import { makeArticle } from "../notify/article-factory.js";

const fresh = () => mkdtemp(join(tmpdir(), "newsnotify-lq-"));
const ids = (work: readonly { messageId: string }[]) => work.map((w) => w.messageId);
const art = (id: string) => makeArticle({ messageId: id });

describe.each([
  ["journal", async () => new LocalQueue(await Outbox.open(await fresh()))],
  ["memory", async () => new LocalQueue(new MemoryStore())],
])("LocalQueue over the %s", (_name, open) => {
  it("claims oldest first, never the same entry twice while leased; release gives it back", async () => {
    const q = await open();
    for (const id of ["<1@x>", "<2@x>", "<3@x>"]) await q.enqueue(art(id), ["t"]);
    const first = await q.claim("t", 2, 1000);
    expect(ids(first)).toEqual(["<1@x>", "<2@x>"]);
    expect(ids(await q.claim("t", 2, 1000))).toEqual(["<3@x>"]);
    expect(await q.claim("t", 2, 1000)).toEqual([]);
    await q.release(first.slice(0, 1));
    expect(ids(await q.claim("t", 5, 1000))).toEqual(["<1@x>"]);
    await q.done(first);
    expect(q.size("t")).toBe(1);
    expect((await q.backlog()).get("t")?.pending).toBe(1);
    await q.close();
  });

  it("enqueue by Message-ID: a second sighting is a no-op; other targets are separate", async () => {
    const q = await open();
    const woken: string[] = [];
    q.onWork((t) => woken.push(t));
    expect(await q.enqueue(art("<a@x>"), ["t", "u"])).toEqual(["t", "u"]);
    expect(await q.enqueue(art("<a@x>"), ["t", "u"])).toEqual([]);
    expect(woken).toEqual(["t", "u"]);
    const [w] = await q.claim("u", 1, 1000);
    expect(w?.article.messageId).toBe("<a@x>");
    await q.dropped(w as never, "refused");
    expect(q.size("u")).toBe(0);
    expect(q.size("t")).toBe(1);
    await q.close();
  });
});

/** Records what it was sent; `fail` decides per call. */
function recorder(fail: (a: Article) => Error | null = () => null, maxBatch?: number) {
  const sent: string[][] = [];
  const n: Notifier = {
    label: "recorder",
    maxBatch,
    preview: () => null,
    send: async (a) => {
      const e = fail(a);
      if (e) throw e;
      sent.push([a.messageId]);
    },
    sendBatch: maxBatch
      ? async (as) => {
          sent.push(as.map((a) => a.messageId));
        }
      : undefined,
  };
  return { n, sent };
}

describe("Dispatcher over the local journal", () => {
  it("a line is in the file before its article is sent (single and batch)", async () => {
    const dir = await fresh();
    const q = new LocalQueue(await Outbox.open(dir));
    const seen: boolean[] = [];
    const inner: Notifier = {
      label: "reads the journal while sending",
      maxBatch: 10,
      preview: () => null,
      send: async (a) => {
        seen.push(readFileSync(join(dir, "outbox.jsonl"), "utf8").includes(a.messageId));
      },
      sendBatch: async (as) => {
        const text = readFileSync(join(dir, "outbox.jsonl"), "utf8");
        for (const a of as) seen.push(text.includes(a.messageId));
      },
    };
    // Workers already running: a claim can come before the turn's write of the journal.
    const d = new Dispatcher([inner], { log: () => {}, queue: { queue: q, targets: ["t"] } });
    await Promise.all(["<o1@x>", "<o2@x>", "<o3@x>"].map((id) => q.enqueue(art(id), ["t"])));
    expect(await d.drain(5000)).toBe(0);
    expect(seen).toEqual([true, true, true]);
    await d.close();
    await q.close();
  });

  it("done on success, dropped on a refusal, kept pending while a failure is retried", async () => {
    const dir = await fresh();
    const outbox = await Outbox.open(dir);
    const q = new LocalQueue(outbox);
    const { n, sent } = recorder((a) =>
      a.messageId === "<bad@x>"
        ? new DeliveryError("HTTP 400", true)
        : a.messageId === "<flaky@x>"
          ? new DeliveryError("HTTP 503", false)
          : null,
    );
    const log: string[] = [];
    const d = new Dispatcher([n], {
      log: (l) => log.push(l),
      retry: { initialMs: 5, maxMs: 10 },
      queue: { queue: q, targets: ["t"] },
    });
    for (const id of ["<ok@x>", "<bad@x>", "<flaky@x>", "<ok@x>"]) await q.enqueue(art(id), ["t"]);
    for (let i = 0; i < 500 && !log.some((l) => l.includes("attempt 2 failed")); i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    await d.close();
    expect(sent).toEqual([["<ok@x>"]]);
    expect(ids(outbox.pending().map((p) => p.article))).toEqual(["<flaky@x>"]);
    await q.close();
    const ops = (await readFile(join(dir, "outbox.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).op);
    expect(ops.filter((o) => o === "drop")).toHaveLength(1);
  });

  it("a batch carries the pending ones, marked done in one journal write; a duplicate is not sent", async () => {
    const dir = await fresh();
    const q = new LocalQueue(await Outbox.open(dir));
    const { n, sent } = recorder(() => null, 10);
    await q.enqueue(art("<x@b>"), ["t"]);
    await q.enqueue(art("<y@b>"), ["t"]);
    await q.enqueue(art("<y@b>"), ["t"]);
    const d = new Dispatcher([n], { log: () => {}, queue: { queue: q, targets: ["t"] } });
    expect(await d.drain(5000)).toBe(0);
    expect(sent).toEqual([["<x@b>", "<y@b>"]]);
    await d.close();
    await q.close();
    const journal = (await readFile(join(dir, "outbox.jsonl"), "utf8")).trim().split("\n");
    expect(journal.map((l) => JSON.parse(l).op)).toEqual(["add", "add", "done", "done"]);
  });

  it("what a stopped run left is delivered by the next one's workers, in order", async () => {
    const dir = await fresh();
    let outbox = await Outbox.open(dir);
    for (const id of ["<r1@x>", "<r2@x>", "<r3@x>"]) await outbox.admit(["t"], art(id));
    await outbox.close();
    outbox = await Outbox.open(dir);
    const q = new LocalQueue(outbox);
    const { n, sent } = recorder();
    const d = new Dispatcher([n], { log: () => {}, queue: { queue: q, targets: ["t"] } });
    expect(await d.drain(5000)).toBe(0);
    expect(sent.flat()).toEqual(["<r1@x>", "<r2@x>", "<r3@x>"]);
    await d.close();
    await q.close();
  });
});
