import type { Article } from "../article/article.js";
import type { Notifier } from "../notify/notifier.js";
import { printable } from "../util/printable.js";
import { batchLimit, deliverBatch, Gatherer } from "./batch.js";
import { ArticleQueue } from "./queue.js";
import { attemptUntilDone, type Outcome, type RetryPolicy } from "./retry.js";

/** A notifier this far behind gets a log line (and again at ten times as many). */
export const BACKLOG_WARNING = 1000;

/**
 * One notifier's queue and its delivery workers: one (strict order) unless the notifier allows more
 * requests in flight (a plain webhook does: a burst is then not capped at one round trip per article).
 */
export class Lane {
  readonly #queue = new ArticleQueue();
  /** Taken by a worker and not done with (in flight, retrying, or stopped by close()). */
  #taken = 0;
  #workers = 0;
  /** A batching lane's worker start is scheduled (setImmediate) and not yet run. */
  #spawning = false;
  /** The backlog that makes the next warning (1,000, then 10,000, ...; reset once caught up). */
  #warnAt = BACKLOG_WARNING;
  readonly #running = new Set<Promise<void>>();
  /** Articles one request may carry. */
  readonly #most: number;
  readonly #gatherer: Gatherer;

  constructor(
    readonly notifier: Notifier,
    readonly retry: RetryPolicy,
    readonly log: (line: string) => void,
    readonly signal: AbortSignal,
    readonly changed: () => void,
  ) {
    this.#most = batchLimit(notifier);
    this.#gatherer = new Gatherer(this.#most, signal, notifier.digestEveryMs);
  }

  get size(): number {
    return this.#queue.length + this.#taken;
  }

  push(article: Article): void {
    this.#queue.push(article);
    if (this.size >= this.#warnAt) {
      this.log(
        `${this.notifier.label}: ${this.size} notifications waiting: delivering slower than articles ` +
          "arrive (the target is down or slow, or its rate limit is below the feed's pace; route " +
          "fewer groups to it?); none is dropped, the outbox keeps them",
      );
      this.#warnAt *= 10;
    }
    if (this.#most === 1) {
      this.#spawn();
      return;
    }
    // Batching: let everything dispatched in this turn of the event loop (e.g. all the admissions
    // one fdatasync released) join the first request, instead of starting one request per article.
    if (this.#spawning) return;
    this.#spawning = true;
    setImmediate(() => {
      this.#spawning = false;
      this.#spawn();
    });
  }

  /**
   * Starts workers up to the notifier's concurrency while articles wait. A batching lane runs one
   * worker (each request takes what gathered during the last) and adds one only per full batch
   * waiting: a slow receiver still gets parallel requests in a long backlog.
   */
  #spawn(): void {
    const limit = Math.max(1, this.notifier.concurrency ?? 1);
    const most = this.#most;
    let waiting = this.#queue.length;
    while (this.#workers < limit && waiting > 0 && (this.#workers === 0 || waiting >= most)) {
      this.#workers++;
      waiting -= most;
      const worker: Promise<void> = this.#work().finally(() => this.#running.delete(worker));
      this.#running.add(worker);
    }
  }

  async stopped(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running);
  }

  async #work(): Promise<void> {
    const most = this.#most;
    try {
      while (this.#queue.length > 0 && !this.signal.aborted) {
        const gathers = most > 1 || this.notifier.digestEveryMs !== undefined;
        if (gathers && !(await this.#gatherer.ready(this.#queue.length))) return;
        // Everything waiting, up to the notifier's batch size: one request carries a burst's backlog.
        const batch = this.#queue.take(most);
        const n = batch.length;
        if (n === 0) continue;
        this.#gatherer.carried(n);
        this.#taken += n;
        // Stopped by close(): they stay counted as pending (the outbox keeps them for the next start).
        if (!(await deliverBatch(batch, (articles) => this.#attempt(articles)))) return;
        this.#taken -= n;
        if (this.size === 0 && this.#warnAt > BACKLOG_WARNING) {
          this.log(`${this.notifier.label}: caught up`);
          this.#warnAt = BACKLOG_WARNING;
        }
        this.changed();
      }
    } finally {
      // Synchronous with the last emptiness check, so a concurrent push always starts a new worker.
      this.#workers--;
    }
  }

  /** One request (send, or sendBatch for several), retried as the policy says. */
  #attempt(batch: readonly Article[]): Promise<Outcome> {
    const [first] = batch;
    if (!first) return Promise.resolve("done");
    const several = batch.length > 1;
    const what = several ? `${batch.length} articles (batch)` : printable(first.messageId);
    const send = several
      ? async () => {
          await this.notifier.sendBatch?.(batch, this.signal);
        }
      : () => this.notifier.send(first, this.signal);
    return attemptUntilDone(send, what, several, {
      label: this.notifier.label,
      retry: this.retry,
      log: this.log,
      signal: this.signal,
    });
  }
}
