import type { Article } from "../article/article.js";
import type { Route } from "./route.js";

/**
 * One delivery target. `preview` is pure (what would be sent, for `test-hook`); `send` does the I/O and
 * throws on failure so that the dispatcher can retry; it never swallows an error.
 */
export interface Notifier {
  /** Short label for logs, e.g. "webhook http://127.0.0.1:8080/hook". Never contains secrets. */
  readonly label: string;
  /**
   * Which articles it wants (groups, filters, control, junk), for dry runs. `send` applies it itself:
   * an unwanted article is a successful no-op, so queues and journals around it need not know.
   */
  readonly route?: Route;
  /** Requests it may have in flight at once (default 1: strict order, as chat services want). */
  readonly concurrency?: number;
  /**
   * Articles one `sendBatch` may carry (default 1). Above 1, a queue that has several waiting sends
   * them in one request: a burst of thousands costs tens of requests, not thousands.
   */
  readonly maxBatch?: number;
  /**
   * A digest: its queue waits this long before each send and sends what gathered (up to maxBatch) as
   * one message (see notify/digest.ts).
   */
  readonly digestEveryMs?: number;
  /**
   * maxBacklog: past this many pending, the delivery queue drops the oldest and sends one summary
   * (delivery/overflow.ts). Undefined: no cap.
   */
  readonly maxBacklog?: number;
  /** The exact payload `send` would deliver (JSON-able), for dry runs. */
  preview(article: Article): unknown;
  send(article: Article, signal?: AbortSignal): Promise<void>;
  /**
   * Sends 1..maxBatch articles in one request, all or nothing (a failure throws, as `send` does).
   * Called only when maxBatch > 1.
   */
  sendBatch?(articles: readonly Article[], signal?: AbortSignal): Promise<void>;
}
