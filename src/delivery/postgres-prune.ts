/**
 * Pruning the shared queue: deliveries done or dropped longer ago than the retention, then the
 * articles no delivery refers to any more, in small batches (one short transaction each), by one
 * node at a time (a session advisory lock; the others skip their turn), on the database's clock.
 * A finished row is what makes a later sighting of its Message-ID a no-op (ON CONFLICT DO
 * NOTHING), so the retention is how long a late sighting (a lagging server catching up) is still
 * recognised; after it, the article would be notified again.
 */
import type pg from "pg";

/** The advisory lock key of pruning ("nn", then the lock's purpose; migrations use 0x0001). */
export const PRUNE_LOCK = 0x6e6e_0002;

/** What one pass removed; null when another node was pruning. */
export interface Pruned {
  deliveries: number;
  articles: number;
  /** Transactions it took (each deletes at most `batch` rows). */
  batches: number;
}

export interface PruneOptions {
  /** Finished rows older than this are deleted (ms, on the database's clock). */
  retentionMs: number;
  /** Rows per transaction (default 1000): short locks, a bounded WAL record per batch. */
  batch?: number;
}

/** The default retention: a week of catch-up recognised (cluster.retentionDays). */
export const RETENTION_MS = 7 * 24 * 3600_000;

/**
 * One pass on `client` (checked out of the pool by the caller, released after). Deliveries first
 * (done and dropped only: a pending row is never pruned, however old), then articles without
 * deliveries that were enqueued before the cutoff.
 */
export async function prune(client: pg.PoolClient, o: PruneOptions): Promise<Pruned | null> {
  const got = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [
    PRUNE_LOCK,
  ]);
  if (!got.rows[0]?.ok) return null;
  const batch = o.batch ?? 1000;
  const out: Pruned = { deliveries: 0, articles: 0, batches: 0 };
  try {
    for (;;) {
      const r = await client.query(
        `DELETE FROM newsnotify_deliveries WHERE id IN (
           SELECT id FROM newsnotify_deliveries
            WHERE state <> 'pending' AND finished_at < now() - $1 * interval '1 millisecond'
            LIMIT $2 FOR UPDATE SKIP LOCKED)`,
        [o.retentionMs, batch],
      );
      out.batches++;
      out.deliveries += r.rowCount ?? 0;
      if ((r.rowCount ?? 0) < batch) break;
    }
    for (;;) {
      // Locked first, then checked again in the DELETE's own snapshot: an enqueue of the same
      // Message-ID that committed meanwhile (its deliveries refer to the row) keeps the article,
      // and one still running holds a key-share lock on it, so the row is skipped.
      const r = await client.query(
        `DELETE FROM newsnotify_articles a WHERE a.message_id IN (
           SELECT message_id FROM newsnotify_articles x
            WHERE x.enqueued_at < now() - $1 * interval '1 millisecond'
              AND NOT EXISTS (SELECT 1 FROM newsnotify_deliveries d WHERE d.message_id = x.message_id)
            LIMIT $2 FOR UPDATE SKIP LOCKED)
           AND NOT EXISTS (SELECT 1 FROM newsnotify_deliveries d WHERE d.message_id = a.message_id)`,
        [o.retentionMs, batch],
      );
      out.batches++;
      out.articles += r.rowCount ?? 0;
      if ((r.rowCount ?? 0) < batch) break;
    }
    return out;
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [PRUNE_LOCK]);
  }
}
