/**
 * maxBacklog on the local queue (the journal and memory): the oldest dropped durably, one summary
 * per episode, and a lane whose target comes back gets the newest and the summary only.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Article } from "../../../src/article/article.js";
import { Dispatcher } from "../../../src/delivery/dispatcher.js";
import { LocalQueue } from "../../../src/delivery/local-queue.js";
import { MemoryStore } from "../../../src/delivery/memory-store.js";
import { isSummaryId } from "../../../src/delivery/overflow.js";
import { RecordedNotifier } from "../../../src/delivery/recorded.js";
import { Routed } from "../../../src/notify/build.js";
import type { Notifier } from "../../../src/notify/notifier.js";
import { compileRoute } from "../../../src/notify/route.js";
import { Outbox } from "../../../src/state/outbox.js";
import { Stats } from "../../../src/stats/stats.js";
import { makeArticle } from "../notify/article-factory.js";

const fresh = () => mkdtemp(join(tmpdir(), "newsnotify-mb-"));
const art = (n: number) => makeArticle({ messageId: `<${n}@x>` });
const pendingIds = (q: LocalQueue, target = "t") => [...q.store.entries(target)].map(([id]) => id);
const articles = (ids: string[]) => ids.filter((id) => !isSummaryId(id));
/** The pending summaries' counts. */
const summaries = (q: LocalQueue, target = "t") =>
  pendingIds(q, target)
    .filter(isSummaryId)
    .map((id) => q.store.read(target, id).notice?.dropped);

async function until(ok: () => boolean, what: string): Promise<void> {
  for (const t0 = Date.now(); !ok(); ) {
    if (Date.now() - t0 > 30_000) throw new Error(`${what} not reached in 30 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe.each([
  ["journal", async () => new LocalQueue(await Outbox.open(await fresh()))],
  ["memory", async () => new LocalQueue(new MemoryStore())],
])("LocalQueue.overflow over the %s", (_name, open) => {
  it("drops the oldest past the cap, claimed or not, and keeps one summary per episode", async () => {
    const q = await open();
    for (let i = 1; i <= 5; i++) await q.enqueue(art(i), ["t", "u"]);
    expect(await q.overflow("t", 5)).toBeNull();
    const [claimed] = await q.claim("t", 1, 1000);
    expect(claimed?.messageId).toBe("<1@x>");
    await q.enqueue(art(6), ["t", "u"]);
    expect(await q.overflow("t", 5)).toMatchObject({ drop: ["<1@x>"], dropped: 1 });
    await q.enqueue(art(7), ["t", "u"]);
    await q.enqueue(art(8), ["t", "u"]);
    expect(await q.overflow("t", 5)).toMatchObject({ drop: ["<2@x>", "<3@x>"], dropped: 3 });
    expect(articles(pendingIds(q))).toEqual(["<4@x>", "<5@x>", "<6@x>", "<7@x>", "<8@x>"]);
    expect(summaries(q)).toEqual([3]);
    // The other target, without a cap, keeps everything.
    expect(pendingIds(q, "u")).toHaveLength(8);
    await q.close();
  });

  it("the summary is rewritten in place while pending (claimed too); once sent, a new episode", async () => {
    const q = await open();
    for (let i = 1; i <= 3; i++) await q.enqueue(art(i), ["t"]);
    await q.overflow("t", 2);
    await q.enqueue(art(4), ["t"]);
    const claimed = await q.claim("t", 5, 1000);
    expect(claimed.map((w) => w.article.notice?.dropped ?? w.messageId)).toEqual([
      "<2@x>",
      "<3@x>",
      1,
      "<4@x>",
    ]);
    expect(await q.overflow("t", 2)).toMatchObject({ drop: ["<2@x>"], dropped: 2, rewrite: true });
    // Same place in the queue, the new count.
    expect(pendingIds(q)).toEqual(["<3@x>", claimed[2]?.messageId, "<4@x>"]);
    expect(summaries(q)).toEqual([2]);
    await q.release(claimed);
    const again = await q.claim("t", 5, 1000);
    expect(again[1]?.article.notice?.dropped).toBe(2);
    await q.done(again);
    for (let i = 5; i <= 7; i++) await q.enqueue(art(i), ["t"]);
    expect(await q.overflow("t", 2)).toMatchObject({ drop: ["<5@x>"], dropped: 1, rewrite: false });
    expect(summaries(q)).toEqual([1]);
    await q.close();
  });
});

describe("maxBacklog in the journal", () => {
  it("a restart brings back neither the dropped entries nor a superseded summary", async () => {
    const dir = await fresh();
    const q = new LocalQueue(await Outbox.open(dir));
    for (let i = 1; i <= 12; i++) {
      await q.enqueue(art(i), ["t"]);
      await q.overflow("t", 5);
    }
    const before = pendingIds(q);
    expect(articles(before)).toEqual(["<8@x>", "<9@x>", "<10@x>", "<11@x>", "<12@x>"]);
    expect(summaries(q)).toEqual([7]);
    await q.close();
    const again = new LocalQueue(await Outbox.open(dir));
    expect(pendingIds(again)).toEqual(before);
    expect(summaries(again)).toEqual([7]);
    await again.close();
  });
});

describe("a lane with maxBacklog", () => {
  it.each([1, 8])(
    "target down, cap 5, 12 enqueued, target up: the 5 newest and one summary saying 7 (%i worker(s))",
    async (concurrency) => {
      let up = false;
      const sent: Article[] = [];
      const down: Notifier = {
        label: "down",
        concurrency,
        preview: () => null,
        send: async (a) => {
          if (!up) throw new Error("connection refused");
          sent.push(a);
        },
      };
      // Routed as the config builds it: a route (local.only.*) the summary does not pass, as no
      // notice does: it goes to its notifier anyway.
      const routed = new Routed(down, compileRoute({ groups: "local.only.*" }), undefined, 5);
      const stats = new Stats();
      const notifier = new RecordedNotifier(routed, "t", stats);
      stats.configure([{ target: "t", label: "down" }]);
      const q = new LocalQueue(await Outbox.open(await fresh()));
      const d = new Dispatcher([notifier], {
        log: () => {},
        retry: { initialMs: 1, maxMs: 5 },
        queue: { queue: q, targets: ["t"] },
      });
      for (let i = 1; i <= 12; i++) {
        await q.enqueue(makeArticle({ messageId: `<${i}@x>`, newsgroups: ["local.only.x"] }), [
          "t",
        ]);
      }
      // The lane has the plan too (its count is recorded as it aborts the dropped entries' sends):
      // the journal shows the drops one write before the check returns, and a target up in between
      // may still take an entry it was retrying.
      const dropped = () => stats.snapshot().notifiers.find((n) => n.target === "t")?.dropped;
      await until(
        () => articles(pendingIds(q)).length === 5 && summaries(q)[0] === 7 && dropped() === 7,
        "the backlog cut to 5, a summary of 7, the lane told",
      );
      up = true;
      await until(() => sent.some((a) => a.notice), "the summary sent");
      await d.drain(30_000);
      await d.close();
      expect(
        sent
          .filter((a) => !a.notice)
          .map((a) => a.messageId)
          .sort(),
      ).toEqual(["<10@x>", "<11@x>", "<12@x>", "<8@x>", "<9@x>"]);
      const notices = sent.filter((a) => a.notice);
      expect(notices).toHaveLength(1);
      expect(notices[0]?.subject).toMatch(/^newsnotify: 7 notification\(s\) dropped since /);
      expect(dropped()).toBe(7);
      await q.close();
    },
  );

  it("without maxBacklog nothing is dropped", async () => {
    const q = new LocalQueue(new MemoryStore());
    const never: Notifier = {
      label: "never",
      preview: () => null,
      send: async () => {
        throw new Error("down");
      },
    };
    const d = new Dispatcher([never], {
      log: () => {},
      retry: { initialMs: 1, maxMs: 5 },
      queue: { queue: q, targets: ["t"] },
    });
    for (let i = 1; i <= 12; i++) await q.enqueue(art(i), ["t"]);
    expect(q.size("t")).toBe(12);
    await d.close();
    expect(articles(pendingIds(q))).toHaveLength(12);
    await q.close();
  });
});
