/**
 * maxBacklog on the shared PostgreSQL queue: the cap is per target over the whole table, whichever
 * node enqueued the rows. One transaction under a per-target advisory lock, so two nodes checking
 * at once drop once and leave one summary. The plan is overflow.ts's; this only reads and writes
 * the rows.
 */
import type pg from "pg";
import {
  OVERFLOW_WHY,
  type OverflowPlan,
  planOverflow,
  SUPERSEDED_WHY,
  summaryArticle,
} from "./overflow.js";

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
  // A summary being sent (a live lease) ends its episode: it is not replaced.
  const summaries = await c.query<{ message_id: string }>(
    `SELECT message_id FROM newsnotify_deliveries
      WHERE target = $1 AND state = 'pending' AND message_id LIKE $2
        AND NOT (leased_by IS NOT NULL AND due_at > now())`,
    [target, SUMMARY],
  );
  const plan = planOverflow({
    cap,
    count,
    oldest: oldest.rows.map((r) => ({ id: r.message_id, since: r.since.getTime() })),
    summaries: summaries.rows.map((r) => r.message_id),
  });
  if (!plan) return null;
  const mark = (ids: string[], why: string) =>
    c.query(
      `UPDATE newsnotify_deliveries
          SET state = 'dropped', finished_at = now(), finished_by = $3, why = $4, leased_by = NULL
        WHERE target = $1 AND message_id = ANY($2) AND state = 'pending'`,
      [target, ids, node, why],
    );
  await mark(plan.drop, OVERFLOW_WHY);
  if (plan.supersede.length > 0) await mark(plan.supersede, SUPERSEDED_WHY);
  const summary = summaryArticle(target, plan, cap);
  await c.query(
    `INSERT INTO newsnotify_articles (message_id, article, enqueued_by) VALUES ($1, $2, $3)
     ON CONFLICT DO NOTHING`,
    [summary.messageId, JSON.stringify(summary), node],
  );
  await c.query(
    `INSERT INTO newsnotify_deliveries (target, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
    [target, summary.messageId],
  );
  return plan;
}
