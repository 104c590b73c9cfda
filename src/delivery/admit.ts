import type { Article } from "../article/article.js";
import type { Outbox } from "../state/outbox.js";
import type { JournaledNotifier } from "./journaled.js";

/**
 * Routes at admission: journals the article for each notifier whose route wants it and that does not
 * know it yet, and returns those targets (none: nothing to dispatch). A notifier whose route drops
 * the article gets no outbox line.
 */
export function admit(
  outbox: Outbox,
  notifiers: readonly JournaledNotifier[],
  article: Article,
): Promise<string[]> {
  const wanted = notifiers.filter((n) => n.route?.(article).send ?? true).map((n) => n.target);
  return outbox.admit(wanted, article);
}
