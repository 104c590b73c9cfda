import type { Article } from "../article/article.js";
import type { Notifier } from "../notify/notifier.js";
import { Lane } from "./lane.js";
import { LocalQueue } from "./local-queue.js";
import { MemoryStore } from "./memory-store.js";
import { DEFAULT_RETRY, type RetryPolicy } from "./retry.js";
import type { DeliveryQueue } from "./work.js";

export { BACKLOG_WARNING } from "./lane.js";

export interface DispatcherOptions {
  /** One line per failed attempt, give-up or late success. */
  log: (line: string) => void;
  retry?: RetryPolicy;
  /**
   * Where the work is: the queue the notifiers' workers pull from, each notifier as its `target`
   * (see targets.ts). Default: a queue in memory, fed by dispatch().
   */
  queue?: { queue: DeliveryQueue; targets: readonly string[] };
}

/**
 * Delivers each article to every notifier. Each notifier has its own workers pulling its work from
 * the delivery queue, in order, so an outage of one (retried with exponential backoff, or after the
 * wait the service asked for) does not hold up the others. An article is dropped only when the
 * service refuses it for good (a 4xx other than 408/429) or maxAttempts says so (retry.ts).
 * Routing and rate limits live in the notifiers (see notify/build.ts); workers in lane.ts,
 * batching in batch.ts, the queue behind work.ts.
 */
export class Dispatcher {
  readonly #lanes: Lane[];
  readonly #abort = new AbortController();
  readonly #waiters = new Set<() => void>();
  readonly #queue: DeliveryQueue;
  /** Set when the queue is the Dispatcher's own (in memory), which dispatch() feeds. */
  readonly #memory: MemoryStore | null = null;
  readonly #unsubscribe: () => void;

  constructor(notifiers: Notifier[], opts: DispatcherOptions) {
    const retry = opts.retry ?? DEFAULT_RETRY;
    const changed = () => {
      for (const wake of this.#waiters) wake();
    };
    let targets: readonly string[];
    if (opts.queue) {
      this.#queue = opts.queue.queue;
      targets = opts.queue.targets;
    } else {
      this.#memory = new MemoryStore();
      this.#queue = new LocalQueue(this.#memory);
      targets = notifiers.map((_, i) => String(i));
    }
    this.#lanes = notifiers.map(
      (n, i) =>
        new Lane(
          n,
          targets[i] ?? String(i),
          this.#queue,
          retry,
          opts.log,
          this.#abort.signal,
          changed,
        ),
    );
    const byTarget = new Map(this.#lanes.map((lane) => [lane.target, lane]));
    this.#unsubscribe = this.#queue.onWork((target) => byTarget.get(target)?.wake());
    // What the queue already holds (an earlier run's, or another watcher's) goes out now.
    for (const lane of this.#lanes) lane.wake();
  }

  /** The Dispatcher's own queue only: queues one delivery per notifier and returns at once. */
  dispatch(article: Article): void {
    if (this.#abort.signal.aborted) throw new Error("dispatcher is closed");
    if (!this.#memory) throw new Error("dispatch() is for a Dispatcher without a queue: enqueue");
    const fresh = this.#memory.admitNow(
      this.#lanes.map((lane) => lane.target),
      article,
    );
    for (const lane of this.#lanes) if (fresh.includes(lane.target)) lane.wake();
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

  /** Aborts in-flight sends and backoff waits; resolves when every worker has stopped. Undelivered stay pending. */
  async close(): Promise<void> {
    this.#abort.abort(new Error("dispatcher closed"));
    this.#unsubscribe();
    await Promise.all(this.#lanes.map((lane) => lane.stopped()));
  }
}
