/**
 * The delivery queue on a real PostgreSQL 15 (started by the test): two queue instances in one
 * process play two watchers sharing it.
 */

import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Article } from "../../src/article/article.js";
import { Dispatcher } from "../../src/delivery/dispatcher.js";
import { PRUNE_LOCK } from "../../src/delivery/postgres-prune.js";
import { PostgresQueue } from "../../src/delivery/postgres-queue.js";
import type { Notifier } from "../../src/notify/notifier.js";
import { EnvironmentError } from "../../src/util/errors.js";
import { type Postgres, startPostgres } from "../helpers/postgres.js";
import { makeArticle } from "../unit/notify/article-factory.js";

let pg: Postgres;
let n = 0;
/** A fresh database per test: no state leaks between cases. */
function database(): string {
  const name = `nn_${process.pid}_${++n}`;
  pg.createDatabase(name);
  return pg.url(name);
}
const dbName = (url: string) => new URL(url).pathname.slice(1);
const open = (url: string, node: string) => PostgresQueue.open({ url, node, pollMs: 100 });

beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(() => pg?.remove());

/** Records every article it is sent, in one list shared by the watchers' notifiers. */
function recorder(into: string[], label: string): Notifier {
  return {
    label,
    preview: () => null,
    send: async (a: Article) => {
      into.push(a.messageId);
    },
  };
}

async function until(ok: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (const t0 = Date.now(); !(await ok()); ) {
    if (Date.now() - t0 > 30_000) throw new Error(`${what} not reached in 30 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("PostgresQueue", () => {
  it("two watchers see every article: each is enqueued once and delivered once", async () => {
    const url = database();
    const [a, b] = await Promise.all([open(url, "news1"), open(url, "news2")]);
    const delivered: string[] = [];
    const da = new Dispatcher([recorder(delivered, "a")], {
      log: () => {},
      queue: { queue: a, targets: ["t"] },
    });
    const db = new Dispatcher([recorder(delivered, "b")], {
      log: () => {},
      queue: { queue: b, targets: ["t"] },
    });
    const articles = Array.from({ length: 200 }, (_, i) =>
      makeArticle({ messageId: `<both${i}@x>` }),
    );
    const fresh = await Promise.all(
      articles.flatMap((art) => [a.enqueue(art, ["t"]), b.enqueue(art, ["t"])]),
    );
    expect(fresh.flat()).toHaveLength(200);
    await until(() => delivered.length >= 200, "200 deliveries");
    await until(async () => ((await a.backlog()).get("t")?.pending ?? 0) === 0, "empty backlog");
    await da.close();
    await db.close();
    expect([...delivered].sort()).toEqual(articles.map((x) => x.messageId).sort());
    expect(
      pg.psql("SELECT count(*) FROM newsnotify_deliveries WHERE state = 'done'", dbName(url)),
    ).toBe("200");
    await a.close();
    await b.close();
  });

  it("a claim is leased: nobody else gets it until the lease runs out (the claimer died)", async () => {
    const url = database();
    const [a, b] = await Promise.all([open(url, "news1"), open(url, "news2")]);
    await a.enqueue(makeArticle({ messageId: "<lease@x>" }), ["t"]);
    const [held] = await a.claim("t", 10, 1500);
    expect(held?.messageId).toBe("<lease@x>");
    expect(await b.claim("t", 10, 60_000)).toEqual([]);
    // No done from a: as if it was SIGKILLed holding the lease.
    let again: Awaited<ReturnType<typeof b.claim>> = [];
    await until(async () => {
      again = await b.claim("t", 10, 60_000);
      return again.length > 0;
    }, "lease expiry");
    expect(again[0]?.article).toEqual(held?.article);
    await b.done(again);
    expect(await a.claim("t", 10, 1000)).toEqual([]);
    await a.close();
    await b.close();
  });

  it("a live claimer renews its lease while the send runs: nobody else gets it past the lease", async () => {
    const url = database();
    const logs: string[] = [];
    const opts = { url, pollMs: 100, leaseMs: 600 };
    const a = await PostgresQueue.open({ ...opts, node: "news1", log: (_l, m) => logs.push(m) });
    const b = await PostgresQueue.open({ ...opts, node: "news2" });
    await a.enqueue(makeArticle({ messageId: "<long@x>" }), ["t"]);
    const held = await a.claim("t", 10, 600);
    const t0 = Date.now();
    // Three leases long: renewed every 200 ms meanwhile.
    while (Date.now() - t0 < 1800) {
      expect(await b.claim("t", 10, 600)).toEqual([]);
      await new Promise((r) => setTimeout(r, 100));
    }
    await a.done(held);
    expect(await b.claim("t", 10, 600)).toEqual([]);
    expect(logs.filter((m) => /lease/.test(m))).toEqual([]);
    await a.close();
    await b.close();
  });

  it("a claimer that finds its lease taken (it stalled past it) says so and stops renewing it", async () => {
    const url = database();
    const logs: string[] = [];
    const opts = { url, pollMs: 100, leaseMs: 600 };
    const a = await PostgresQueue.open({ ...opts, node: "news1", log: (_l, m) => logs.push(m) });
    const b = await PostgresQueue.open({ ...opts, node: "news2" });
    await a.enqueue(makeArticle({ messageId: "<stalled@x>" }), ["t"]);
    await a.claim("t", 10, 600);
    // As if news1 had stalled past its lease: expired, and news2 claims it.
    pg.psql("UPDATE newsnotify_deliveries SET due_at = now() - interval '1 second'", dbName(url));
    const taken = await b.claim("t", 10, 60_000);
    expect(taken.map((w) => w.messageId)).toEqual(["<stalled@x>"]);
    await until(() => logs.some((m) => /lost the lease/.test(m)), "news1 noticing");
    expect(logs.filter((m) => /lost the lease/.test(m))).toEqual([
      expect.stringMatching(/lost the lease on 1 notification\(s\) being sent \(<stalled@x>\)/),
    ]);
    // news2's lease stands: news1's renewals did not take it back.
    expect(
      pg.psql(
        "SELECT leased_by || ' ' || (due_at > now() + interval '30 seconds') FROM newsnotify_deliveries",
        dbName(url),
      ),
    ).toBe("news2 true");
    await a.close();
    await b.close();
  });

  it("a failed attempt's hold until its retry time is not shortened by renewals", async () => {
    const url = database();
    const a = await PostgresQueue.open({ url, pollMs: 100, node: "news1", leaseMs: 600 });
    const b = await PostgresQueue.open({ url, pollMs: 100, node: "news2", leaseMs: 600 });
    await a.enqueue(makeArticle({ messageId: "<retry@x>" }), ["t"]);
    const w = await a.claim("t", 1, 600);
    await a.failed(w, Date.now() + 60_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await b.claim("t", 1, 600)).toEqual([]);
    expect(
      pg.psql(
        "SELECT due_at > now() + interval '50 seconds' FROM newsnotify_deliveries",
        dbName(url),
      ),
    ).toBe("t");
    await a.close();
    await b.close();
  });

  it("failed(retryAt) keeps the claim until then; release gives it back at once", async () => {
    const url = database();
    const [a, b] = await Promise.all([open(url, "news1"), open(url, "news2")]);
    await a.enqueue(makeArticle({ messageId: "<f@x>" }), ["t"]);
    const w = await a.claim("t", 1, 100);
    await a.failed(w, Date.now() + 60_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(await b.claim("t", 1, 1000)).toEqual([]);
    expect(pg.psql("SELECT attempts FROM newsnotify_deliveries", dbName(url))).toBe("1");
    await a.release(w);
    expect((await b.claim("t", 1, 1000)).map((x) => x.messageId)).toEqual(["<f@x>"]);
    await a.close();
    await b.close();
  });

  it("two watchers starting at once on an empty database migrate it once", async () => {
    const url = database();
    const queues = await Promise.all([1, 2, 3, 4].map((i) => open(url, `news${i}`)));
    const db = dbName(url);
    expect(pg.psql("SELECT version FROM newsnotify_schema", db)).toBe("3");
    expect(pg.psql("SELECT count(*) FROM newsnotify_schema", db)).toBe("1");
    // One target key for the cluster, the same on every node (targets are named alike everywhere).
    expect(pg.psql("SELECT count(*) FROM newsnotify_cluster", db)).toBe("1");
    expect(new Set(queues.map((q) => q.targetKey.toString("hex"))).size).toBe(1);
    await Promise.all(queues.map((q) => q.close()));
  });
});

describe("PostgresQueue, bad input: a clear error naming the problem (exit 5), nothing written", () => {
  const refused = async (url: string, want: RegExp) => {
    const e = await open(url, "news1").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(EnvironmentError);
    expect((e as EnvironmentError).exitCode).toBe(5);
    expect((e as Error).message).toMatch(want);
    return e as Error;
  };

  it("no such database", async () => {
    await refused(pg.url("nn_missing"), /no such database/);
  });

  it("wrong credentials (a role that does not exist)", async () => {
    const e = await refused(pg.url("postgres", "nobody"), /wrong credentials/);
    expect(e.message).not.toContain("secret");
  });

  it("a database of another program's tables: refused, and no table of ours is created", async () => {
    const url = database();
    const db = dbName(url);
    pg.psql("CREATE TABLE orders (id int)", db);
    await refused(url, /not newsnotify's \(public\.orders\)/);
    expect(
      pg.psql(
        "SELECT string_agg(table_name, ',') FROM information_schema.tables WHERE table_schema = 'public'",
        db,
      ),
    ).toBe("orders");
  });
});

describe("PostgresQueue, an ordered target", () => {
  it("while one node holds a lease on it, another claims nothing (order across the cluster)", async () => {
    const url = database();
    const ordered = () => true;
    const a = await PostgresQueue.open({ url, node: "news1", pollMs: 100, ordered });
    const b = await PostgresQueue.open({ url, node: "news2", pollMs: 100, ordered });
    for (const id of ["<o1@x>", "<o2@x>"]) await a.enqueue(makeArticle({ messageId: id }), ["t"]);
    const first = await a.claim("t", 1, 60_000);
    expect(first.map((w) => w.messageId)).toEqual(["<o1@x>"]);
    expect(await b.claim("t", 1, 60_000)).toEqual([]);
    await a.done(first);
    expect((await b.claim("t", 1, 60_000)).map((w) => w.messageId)).toEqual(["<o2@x>"]);
    await a.close();
    await b.close();
  });
});

describe("PostgresQueue, PostgreSQL restarted", () => {
  it("calls fail while it is down (the last error says so), and work again once it is back", async () => {
    const url = database();
    const logged: string[] = [];
    const q = await PostgresQueue.open({
      url,
      node: "news1",
      pollMs: 100,
      log: (_l, m) => logged.push(m),
    });
    await q.enqueue(makeArticle({ messageId: "<r1@x>" }), ["t"]);
    pg.stop("fast");
    try {
      await expect(q.enqueue(makeArticle({ messageId: "<r2@x>" }), ["t"])).rejects.toThrow();
      expect(q.lastError?.message).toMatch(/unreachable for now/);
      expect(logged.some((m) => m.includes("unreachable for now"))).toBe(true);
    } finally {
      pg.start();
    }
    let fresh: string[] = [];
    await until(async () => {
      fresh = await q.enqueue(makeArticle({ messageId: "<r2@x>" }), ["t"]).catch(() => []);
      return fresh.length > 0;
    }, "enqueue after the restart");
    expect(q.lastError).toBeNull();
    const work = await q.claim("t", 10, 60_000);
    expect(work.map((w) => w.messageId)).toEqual(["<r1@x>", "<r2@x>"]);
    await q.close();
  });
});

describe("PostgresQueue, pruning finished rows", () => {
  const RETENTION_MS = 1500;
  const openShort = (url: string, node: string, pruneBatch?: number) =>
    PostgresQueue.open({
      url,
      node,
      pollMs: 100,
      retentionMs: RETENTION_MS,
      ...(pruneBatch ? { pruneBatch } : {}),
    });
  const count = (url: string, table: string) =>
    Number(pg.psql(`SELECT count(*) FROM newsnotify_${table}`, dbName(url)));
  /** Waits until every finished row is older than the retention, on the database's clock. */
  const pastRetention = (url: string) =>
    until(
      () =>
        pg.psql(
          `SELECT coalesce(bool_and(finished_at < now() - interval '${RETENTION_MS} milliseconds'), true)
             FROM newsnotify_deliveries WHERE state <> 'pending'`,
          dbName(url),
        ) === "t",
      "the retention to pass",
    );

  it("a Message-ID seen again within the retention is a no-op; pruned after it, it is new", async () => {
    const url = database();
    const a = await openShort(url, "news1");
    const art = makeArticle({ messageId: "<late@x>" });
    expect(await a.enqueue(art, ["t"])).toEqual(["t"]);
    await a.done(await a.claim("t", 1, 60_000));
    // Within the retention: kept, and the late sighting (another server catching up) is a no-op.
    expect(await a.prune()).toEqual({ deliveries: 0, articles: 0, batches: 2 });
    expect(await a.enqueue(art, ["t"])).toEqual([]);
    expect(await a.claim("t", 1, 60_000)).toEqual([]);
    await pastRetention(url);
    expect(await a.prune()).toMatchObject({ deliveries: 1, articles: 1 });
    expect(count(url, "deliveries")).toBe(0);
    expect(count(url, "articles")).toBe(0);
    // Beyond the retention the Message-ID is forgotten: seen again, it is notified again.
    expect(await a.enqueue(art, ["t"])).toEqual(["t"]);
    await a.close();
  });

  it("prunes done and dropped rows in batches, never a pending one, and keeps an article a pending delivery needs", async () => {
    const url = database();
    const a = await openShort(url, "news1", 2);
    for (let i = 0; i < 5; i++) await a.enqueue(makeArticle({ messageId: `<p${i}@x>` }), ["t"]);
    await a.enqueue(makeArticle({ messageId: "<dropped@x>" }), ["t", "u"]);
    await a.enqueue(makeArticle({ messageId: "<waits@x>" }), ["t", "u"]);
    const work = await a.claim("t", 7, 60_000);
    expect(work).toHaveLength(7);
    await a.done(work.filter((w) => w.messageId !== "<dropped@x>"));
    const [dropped] = work.filter((w) => w.messageId === "<dropped@x>");
    if (!dropped) throw new Error("no <dropped@x> claimed");
    await a.dropped(dropped, "refused");
    await a.done(await a.claim("u", 1, 60_000)); // <dropped@x> for u, the older one
    await pastRetention(url);
    const p = await a.prune();
    // 7 finished rows of t and 1 of u, 2 a transaction (5 of them, the last one short); 6
    // articles, then one left with a pending delivery (<waits@x> for u).
    expect(p).toEqual({ deliveries: 8, articles: 6, batches: 5 + 4 });
    expect(
      pg.psql(
        "SELECT message_id || ' ' || target || ' ' || state FROM newsnotify_deliveries",
        dbName(url),
      ),
    ).toMatch(/^<waits@x> \S+ pending$/);
    expect(
      pg.psql("SELECT string_agg(message_id, ',') FROM newsnotify_articles", dbName(url)),
    ).toBe("<waits@x>");
    expect((await a.claim("u", 1, 60_000)).map((w) => w.messageId)).toEqual(["<waits@x>"]);
    await a.close();
  });

  it("one node at a time: while another holds the pruning lock, a node skips its turn", async () => {
    const url = database();
    const a = await openShort(url, "news1");
    await a.enqueue(makeArticle({ messageId: "<one@x>" }), ["t"]);
    await a.done(await a.claim("t", 1, 60_000));
    await pastRetention(url);
    // Another node pruning now: its session holds the lock.
    const other = new Client({ connectionString: url });
    await other.connect();
    await other.query("SELECT pg_advisory_lock($1)", [PRUNE_LOCK]);
    expect(await a.prune()).toBeNull();
    expect(count(url, "deliveries")).toBe(1);
    await other.query("SELECT pg_advisory_unlock($1)", [PRUNE_LOCK]);
    await other.end();
    expect(await a.prune()).toMatchObject({ deliveries: 1, articles: 1 });
    await a.close();
  });
});
