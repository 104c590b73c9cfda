import type { Article } from "../article/article.js";
import type { RecordedNotifier } from "./recorded.js";
import type { DeliveryQueue } from "./work.js";

/**
 * Routes at admission: enqueues the article for each notifier whose route wants it and that does
 * not have it yet, and returns those targets. A notifier whose route drops the article gets no
 * queue entry. Durable when it resolves, as the queue's enqueue promises: with the local journal
 * (alone, or in front of PostgreSQL in cluster mode) its lines are written to the file, so a
 * SIGKILL from then on loses nothing; only while the disk refuses writes are they held in memory
 * instead (state/outbox.ts: the high-water marks then stay put, so catch-up finds the article).
 */
export function admit(
  queue: DeliveryQueue,
  notifiers: readonly RecordedNotifier[],
  article: Article,
): Promise<string[]> {
  const wanted = notifiers.filter((n) => n.route?.(article).send ?? true).map((n) => n.target);
  return queue.enqueue(article, wanted);
}
