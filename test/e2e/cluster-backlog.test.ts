/**
 * maxBacklog on the shared PostgreSQL queue (a real PostgreSQL 15, started by the test): the cap
 * is per target over the whole table, the dropped rows stay dropped across a restart, and two
 * nodes capping at once leave one summary.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSummaryId } from "../../src/delivery/overflow.js";
import { PostgresQueue } from "../../src/delivery/postgres-queue.js";
import { type Postgres, startPostgres } from "../helpers/postgres.js";
import { makeArticle } from "../unit/notify/article-factory.js";

let pg: Postgres;
let n = 0;
function database(): string {
  const name = `nn_mb_${process.pid}_${++n}`;
  pg.createDatabase(name);
  return pg.url(name);
}
const dbName = (url: string) => new URL(url).pathname.slice(1);
const open = (url: string, node: string) => PostgresQueue.open({ url, node, pollMs: 100 });
const art = (i: number) => makeArticle({ messageId: `<pg${i}@x>` });

beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(() => pg?.remove());

/** The pending summaries' counts of a target. */
function summaries(url: string, target: string): number[] {
  const out = pg.psql(
    `SELECT a.article->'notice'->>'dropped' FROM newsnotify_deliveries d JOIN newsnotify_articles a USING (message_id)
      WHERE d.target = '${target}' AND d.state = 'pending' AND a.article ? 'notice' ORDER BY d.id`,
    dbName(url),
  );
  return out === "" ? [] : out.split("\n").map(Number);
}

/** Pending Message-IDs of a target in queue order. */
function pending(url: string, target: string): string[] {
  const out = pg.psql(
    `SELECT message_id FROM newsnotify_deliveries WHERE target = '${target}' AND state = 'pending' ORDER BY id`,
    dbName(url),
  );
  return out === "" ? [] : out.split("\n");
}

describe("maxBacklog on PostgreSQL", () => {
  it("drops the oldest durably, one summary per episode; a restart brings none back", async () => {
    const url = database();
    const q = await open(url, "news1");
    for (let i = 1; i <= 8; i++) await q.enqueue(art(i), ["t", "u"]);
    expect(await q.overflow("t", 5)).toMatchObject({ drop: ["<pg1@x>", "<pg2@x>", "<pg3@x>"] });
    for (let i = 9; i <= 12; i++) await q.enqueue(art(i), ["t", "u"]);
    expect(await q.overflow("t", 5)).toMatchObject({ dropped: 7 });
    expect(await q.overflow("t", 5)).toBeNull();
    await q.close();

    const again = await open(url, "news1");
    const ids = pending(url, "t");
    expect(ids.filter((id) => !isSummaryId(id))).toEqual(
      [8, 9, 10, 11, 12].map((i) => `<pg${i}@x>`),
    );
    expect(summaries(url, "t")).toEqual([7]);
    // Rewritten in place: after the 5th article, where the first overflow put it.
    expect(ids.findIndex(isSummaryId)).toBe(1);
    expect(pending(url, "u")).toHaveLength(12);
    expect(
      pg.psql(
        "SELECT why, count(*) FROM newsnotify_deliveries WHERE state = 'dropped' GROUP BY why ORDER BY why",
        dbName(url),
      ),
    ).toBe("maxBacklog: over the cap, oldest dropped|7");
    // In queue order: the summary (a notice, with its count) where the episode began.
    const work = await again.claim("t", 10, 60_000);
    expect(work.map((w) => w.messageId)).toEqual(ids);
    expect(work[1]?.article.notice?.dropped).toBe(7);
    expect(work[1]?.article.subject).toMatch(/^newsnotify: 7 notification\(s\) dropped since /);
    await again.close();
  });

  it("two nodes capping one target at once: the cap holds over the table, one summary counts all", async () => {
    const url = database();
    const [a, b] = await Promise.all([open(url, "news1"), open(url, "news2")]);
    for (let i = 1; i <= 40; i++) {
      await (i % 2 ? a : b).enqueue(art(i), ["t"]);
      await Promise.all([a.overflow("t", 5), b.overflow("t", 5)]);
    }
    const ids = pending(url, "t");
    expect(ids.filter((id) => !isSummaryId(id))).toEqual(
      [36, 37, 38, 39, 40].map((i) => `<pg${i}@x>`),
    );
    expect(summaries(url, "t")).toEqual([35]);
    await a.close();
    await b.close();
  });
});
