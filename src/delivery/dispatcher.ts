import type { Article } from "../article/article.js";
import type { Notifier } from "../notify/notifier.js";
import { Lane } from "./lane.js";
import { DEFAULT_RETRY, type RetryPolicy } from "./retry.js";

export { BACKLOG_WARNING } from "./lane.js";

export interface DispatcherOptions {
  /** One line per failed attempt, give-up or late success. */
  log: (line: string) => void;
  retry?: RetryPolicy;
}

/**
 * Delivers each article to every notifier. Each notifier has its own queue, delivered in order, so an
 * outage of one (retried with exponential backoff, or after the wait the service asked for) does not
 * hold up the others. An article is dropped only when the service refuses it for good (a 4xx other
 * than 408/429) or maxAttempts says so (retry.ts). Routing and rate limits live in the notifiers (see
 * notify/build.ts); queueing and workers in lane.ts, batching in batch.ts.
 */
export class Dispatcher {
  readonly #lanes: Lane[];
  readonly #abort = new AbortController();
  readonly #waiters = new Set<() => void>();

  constructor(notifiers: Notifier[], opts: DispatcherOptions) {
    const retry = opts.retry ?? DEFAULT_RETRY;
    const changed = () => {
      for (const wake of this.#waiters) wake();
    };
    this.#lanes = notifiers.map((n) => new Lane(n, retry, opts.log, this.#abort.signal, changed));
  }

  /** Queues one delivery per notifier and returns at once. */
  dispatch(article: Article): void {
    if (this.#abort.signal.aborted) throw new Error("dispatcher is closed");
    for (const lane of this.#lanes) lane.push(article);
  }

  /** Deliveries queued or in flight, over all notifiers. */
  pending(): number {
    return this.#lanes.reduce((sum, lane) => sum + lane.size, 0);
  }

  /** Resolves with the number still pending once everything is delivered or `timeoutMs` has passed. */
  drain(timeoutMs: number): Promise<number> {
    if (this.pending() === 0) return Promise.resolve(0);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(this.pending());
      };
      const check = () => {
        if (this.pending() === 0) done();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#waiters.add(check);
    });
  }

  /** Aborts in-flight sends and backoff waits; resolves when every queue has stopped. Undelivered stay pending. */
  async close(): Promise<void> {
    this.#abort.abort(new Error("dispatcher closed"));
    await Promise.all(this.#lanes.map((lane) => lane.stopped()));
  }
}
