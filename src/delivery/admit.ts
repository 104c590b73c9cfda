import type { Article } from "../article/article.js";
import type { RecordedNotifier } from "./recorded.js";
import type { DeliveryQueue } from "./work.js";

/**
 * Routes at admission: enqueues the article for each notifier whose route wants it and that does
 * not have it yet, and returns those targets. A notifier whose route drops the article gets no
 * queue entry.
 */
export function admit(
  queue: DeliveryQueue,
  notifiers: readonly RecordedNotifier[],
  article: Article,
): Promise<string[]> {
  const wanted = notifiers.filter((n) => n.route?.(article).send ?? true).map((n) => n.target);
  return queue.enqueue(article, wanted);
}
