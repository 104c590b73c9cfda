/**
 * maxBacklog on the shared PostgreSQL queue: the cap is per target over the whole table, whichever
 * node enqueued the rows. One transaction under a per-target advisory lock, so two nodes checking
 * at once drop once and keep one summary. The plan is overflow.ts's; this only reads and writes
 * the rows.
 */
import type pg from "pg";
import type { Article } from "../article/article.js";
import { OVERFLOW_WHY, type OverflowPlan, planOverflow, summaryArticle } from "./overflow.js";

/** Summaries' Message-IDs end so (overflow.ts summaryId); LIKE has no wildcard in it. */
const SUMMARY = "%@maxbacklog.newsnotify.invalid>";

/** Applies maxBacklog to `target` inside the caller's transaction; null when within the cap. */
export async function overflowRows(
  c: pg.PoolClient,
  target: string,
  cap: number,
  node: string,
): Promise<OverflowPlan | null> {
  await c.query("SELECT pg_advisory_xact_lock(hashtext('newsnotify maxBacklog ' || $1))", [target]);
  const counted = await c.query<{ n: string }>(
    `SELECT count(*) AS n FROM newsnotify_deliveries
      WHERE target = $1 AND state = 'pending' AND message_id NOT LIKE $2`,
    [target, SUMMARY],
  );
  const count = Number(counted.rows[0]?.n ?? 0);
  if (count <= cap) return null;
  const oldest = await c.query<{ message_id: string; since: Date }>(
    `SELECT message_id, enqueued_at AS since FROM newsnotify_deliveries
      WHERE target = $1 AND state = 'pending' AND message_id NOT LIKE $2
      ORDER BY id LIMIT $3`,
    [target, SUMMARY, count - cap],
  );
  const pending = await c.query<{ message_id: string; article: Article }>(
    `SELECT d.message_id, a.article FROM newsnotify_deliveries d
       JOIN newsnotify_articles a USING (message_id)
      WHERE d.target = $1 AND d.state = 'pending' AND d.message_id LIKE $2
      ORDER BY d.id DESC LIMIT 1`,
    [target, SUMMARY],
  );
  const [row] = pending.rows;
  const plan = planOverflow(target, {
    cap,
    count,
    oldest: oldest.rows.map((r) => ({ id: r.message_id, since: r.since.getTime() })),
    summary: row?.article.notice ? { id: row.message_id, notice: row.article.notice } : null,
  });
  if (!plan) return null;
  await c.query(
    `UPDATE newsnotify_deliveries
        SET state = 'dropped', finished_at = now(), finished_by = $3, why = $4, leased_by = NULL
      WHERE target = $1 AND message_id = ANY($2) AND state = 'pending'`,
    [target, plan.drop, node, OVERFLOW_WHY],
  );
  const summary = JSON.stringify(summaryArticle(plan, cap));
  // Rewritten in place: the row keeps its id, so its place in the target's order.
  await c.query(
    `INSERT INTO newsnotify_articles (message_id, article, enqueued_by) VALUES ($1, $2, $3)
     ON CONFLICT (message_id) DO UPDATE SET article = EXCLUDED.article`,
    [plan.summaryId, summary, node],
  );
  await c.query(
    `INSERT INTO newsnotify_deliveries (target, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
    [target, plan.summaryId],
  );
  return plan;
}
