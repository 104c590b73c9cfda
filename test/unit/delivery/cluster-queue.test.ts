/**
 * Cluster mode's queue without PostgreSQL: a LocalQueue in memory plays the shared queue, so the
 * journal-first path (journal, forward, claim there) and the connect policy are tested alone.
 */
import { describe, expect, it } from "vitest";
import { ClusterQueue, type SharedQueue } from "../../../src/delivery/cluster-queue.js";
import { LocalQueue } from "../../../src/delivery/local-queue.js";
import { MemoryStore } from "../../../src/delivery/memory-store.js";
import type { ClusterRows } from "../../../src/delivery/postgres-queue.js";
import type { Log } from "../../../src/util/log.js";
import { makeArticle } from "../notify/article-factory.js";

const art = (id: string) => makeArticle({ messageId: id });
const ids = (work: readonly { messageId: string }[]) => work.map((w) => w.messageId);

/** A shared queue in memory, whose calls fail while `down` is set. */
class FakeShared extends LocalQueue implements SharedQueue {
  down = false;
  lastError: { message: string; at: number } | null = null;
  rows: ClusterRows = { nodes: [], leases: new Map(), backlog: new Map() };
  constructor() {
    super(new MemoryStore());
  }
  override async enqueue(...a: Parameters<LocalQueue["enqueue"]>): Promise<string[]> {
    if (this.down) throw new Error("connection refused");
    return super.enqueue(...a);
  }
  async view(): Promise<ClusterRows> {
    return this.rows;
  }
  override async close(): Promise<void> {}
}

class Refused extends Error {
  constructor(readonly fatal: boolean) {
    super(fatal ? "wrong credentials" : "unreachable");
  }
}

/** Waits for a condition by yielding to timers and I/O (no fixed sleep, no time bound). */
async function until(ok: () => boolean): Promise<void> {
  while (!ok()) await new Promise((r) => setTimeout(r, 1));
}

function start(
  shared: FakeShared,
  o: { failFirst?: number; fatal?: boolean; journal?: MemoryStore; node?: string; log?: Log } = {},
) {
  let failures = o.failFirst ?? 0;
  const journal = o.journal ?? new MemoryStore();
  const queue = ClusterQueue.start({
    journal,
    node: o.node ?? "news1",
    where: "postgresql://db/nn",
    log: o.log ?? (() => {}),
    labels: new Map([["t", "webhook to receiver"]]),
    backoffMs: { first: 1, max: 1 },
    connect: async () => {
      if (failures-- > 0) throw new Refused(o.fatal ?? false);
      return { queue: shared, names: new Map([["t", "T"]]) };
    },
    fatal: (e) => e instanceof Refused && e.fatal,
  });
  return { queue, journal };
}

describe("ClusterQueue", () => {
  it("forwards what it journals to the shared queue; workers claim it there, under the local name", async () => {
    const shared = new FakeShared();
    const { queue, journal } = start(shared);
    const q = await queue;
    expect(await q.enqueue(art("<1@x>"), ["t"])).toEqual(["t"]);
    await q.forward();
    expect(journal.count("t")).toBe(0);
    expect(shared.size("T")).toBe(1);
    const work = await q.claim("t", 5, 1000);
    expect(work.map((w) => [w.target, w.messageId])).toEqual([["t", "<1@x>"]]);
    await q.done(work);
    expect(shared.size("T")).toBe(0);
    await q.close();
  });

  it("PostgreSQL unreachable at start: waits (logs it), journals, and forwards once it answers", async () => {
    const shared = new FakeShared();
    const lines: string[] = [];
    const { queue, journal } = start(shared, {
      failFirst: 3,
      log: (level, m) => lines.push(`${level}: ${m}`),
    });
    const q = await queue;
    expect(q.connected).toBe(false);
    expect(lines[0]).toMatch(/^warn: unreachable; articles wait in the local journal/);
    await q.enqueue(art("<early@x>"), ["t"]);
    expect(journal.count("t")).toBe(1);
    expect(await q.claim("t", 5, 1000)).toEqual([]);
    expect(q.view().unforwarded).toBe(1);
    await until(() => shared.size("T") === 1);
    expect(journal.count("t")).toBe(0);
    expect(lines.some((l) => /^info: PostgreSQL at .* answers/.test(l))).toBe(true);
    expect(ids(await q.claim("t", 5, 1000))).toEqual(["<early@x>"]);
    await q.close();
  });

  it("a fatal problem at start (wrong credentials, foreign tables) is thrown: exit 5", async () => {
    const { queue } = start(new FakeShared(), { failFirst: 1, fatal: true });
    await expect(queue).rejects.toThrow("wrong credentials");
  });

  it("the connection lost mid-run: the article stays journaled, and goes once it is back", async () => {
    const shared = new FakeShared();
    const { queue, journal } = start(shared);
    const q = await queue;
    shared.down = true;
    await q.enqueue(art("<cut@x>"), ["t"]);
    await q.forward();
    expect(journal.count("t")).toBe(1);
    expect(q.size("t")).toBe(1);
    shared.down = false;
    await until(() => journal.count("t") === 0);
    expect(shared.size("T")).toBe(1);
    await q.close();
  });

  it("two nodes seeing the same articles (trace or catch-up): one entry each in the shared queue", async () => {
    const shared = new FakeShared();
    const a = await start(shared, { node: "news1" }).queue;
    const b = await start(shared, { node: "news2" }).queue;
    const articles = ["<1@x>", "<2@x>", "<3@x>"].map(art);
    await Promise.all(articles.flatMap((x) => [a.enqueue(x, ["t"]), b.enqueue(x, ["t"])]));
    await Promise.all([a.forward(), b.forward()]);
    expect(shared.size("T")).toBe(3);
    expect(ids(await b.claim("t", 10, 1000))).toEqual(["<1@x>", "<2@x>", "<3@x>"]);
    expect(await a.claim("t", 10, 1000)).toEqual([]);
    await a.close();
    await b.close();
  });

  it("config drift: a recent node with other notifiers is named; a stale node is not", async () => {
    const shared = new FakeShared();
    const q = await start(shared).queue;
    shared.rows = {
      nodes: [
        { node: "news1", agoMs: 0, targets: ["T"] },
        { node: "news2", agoMs: 500, targets: ["U"] },
        { node: "news3", agoMs: 600_000, targets: ["V"] },
        { node: "news4", agoMs: 10, targets: ["T"] },
      ],
      leases: new Map([["news2", 4]]),
      backlog: new Map(),
    };
    await q.refreshView();
    const view = q.view();
    expect(view.leases).toEqual({ news2: 4 });
    expect(view.nodes.map((n) => [n.node, n.recent])).toEqual([
      ["news1", true],
      ["news2", true],
      ["news3", false],
      ["news4", true],
    ]);
    expect(view.drift).toHaveLength(1);
    expect(view.drift[0]).toMatch(
      /^config drift with node news2: notifier\(s\) only this node has: webhook to receiver; 1 notifier\(s\) only news2 has/,
    );
    await q.close();
  });
});
