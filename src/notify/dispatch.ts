import type { Article } from "../article/article.js";
import { errorMessage } from "../util/errors.js";
import { printable } from "../util/printable.js";
import { DeliveryError } from "./http.js";
import type { Notifier } from "./notifier.js";
import { sleep } from "./pace.js";

export interface RetryPolicy {
  /** Delay after the first failure; doubles on each further failure. */
  initialMs: number;
  /** Upper bound of one delay. */
  maxMs: number;
  /** Give up on an article after this many attempts; undefined = retry forever (the default). */
  maxAttempts?: number;
  /** Upper bound of a wait a service asks for (Retry-After); default one hour. */
  maxRetryAfterMs?: number;
}

export interface DispatcherOptions {
  /** One line per failed attempt, give-up or late success. */
  log: (line: string) => void;
  retry?: RetryPolicy;
}

const DEFAULT_RETRY: RetryPolicy = { initialMs: 1000, maxMs: 60_000 };

/** A notifier this far behind gets a log line (and again at ten times as many). */
export const BACKLOG_WARNING = 1000;

/** A batching lane under load sends at most one request per this many ms (see Lane.#gather). */
export const GATHER_MS = 20;

/**
 * Delivers each article to every notifier. Each notifier has its own queue, delivered in order, so an
 * outage of one (retried with exponential backoff, or after the wait the service asked for) does not
 * hold up the others. An article is dropped only when the service refuses it for good (a 4xx other
 * than 408/429) or maxAttempts says so. Routing and rate limits live in the notifiers (see build.ts).
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

/**
 * One notifier's queue and its delivery workers: one (strict order) unless the notifier allows more
 * requests in flight (a plain webhook does: a burst is then not capped at one round trip per article).
 */
class Lane {
  /** Articles not yet taken by a worker, from #head on (an index, not shift(): O(1) per article). */
  #queue: (Article | undefined)[] = [];
  #head = 0;
  /** Taken by a worker and not done with (in flight, retrying, or stopped by close()). */
  #taken = 0;
  #workers = 0;
  /** A batching lane's worker start is scheduled (setImmediate) and not yet run. */
  #spawning = false;
  /** The backlog that makes the next warning (1,000, then 10,000, ...; reset once caught up). */
  #warnAt = BACKLOG_WARNING;
  /** When a batching lane's last request started (performance.now()), and how many it carried. */
  #lastStart = 0;
  #lastSize = 0;
  readonly #running = new Set<Promise<void>>();

  constructor(
    readonly notifier: Notifier,
    readonly retry: RetryPolicy,
    readonly log: (line: string) => void,
    readonly signal: AbortSignal,
    readonly changed: () => void,
  ) {}

  get size(): number {
    return this.#queue.length - this.#head + this.#taken;
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

  /** Articles one request may carry: the notifier's batch size if it can send batches, else 1. */
  get #most(): number {
    return Math.max(1, this.notifier.sendBatch ? (this.notifier.maxBatch ?? 1) : 1);
  }

  /**
   * Starts workers up to the notifier's concurrency while articles wait. A batching lane runs one
   * worker (each request takes what gathered during the last) and adds one only per full batch
   * waiting: a slow receiver still gets parallel requests in a long backlog.
   */
  #spawn(): void {
    const limit = Math.max(1, this.notifier.concurrency ?? 1);
    const most = this.#most;
    let waiting = this.#queue.length - this.#head;
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
      while (this.#head < this.#queue.length && !this.signal.aborted) {
        if (most > 1 && !(await this.#gather(most))) return;
        // Everything waiting, up to the notifier's batch size: one request carries a burst's backlog.
        const n = Math.min(most, this.#queue.length - this.#head);
        if (n === 0) continue;
        this.#lastSize = n;
        const batch = this.#queue.slice(this.#head, this.#head + n) as Article[];
        this.#queue.fill(undefined, this.#head, this.#head + n);
        this.#head += n;
        if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
          this.#queue = this.#queue.slice(this.#head);
          this.#head = 0;
        }
        this.#taken += n;
        // Stopped by close(): they stay counted as pending (the outbox keeps them for the next start).
        if (!(await this.#deliverAll(batch))) return;
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

  /**
   * Under load (the last request carried several), waits until GATHER_MS after the last request
   * started, unless a full batch is waiting: requests then go at most every GATHER_MS and each carries
   * what gathered meanwhile, instead of many small ones. An article arriving alone goes at once.
   * False when closed meanwhile.
   */
  async #gather(most: number): Promise<boolean> {
    const wait = this.#lastStart + GATHER_MS - performance.now();
    if (this.#lastSize > 1 && wait > 0 && this.#queue.length - this.#head < most) {
      if (!(await sleep(wait, this.signal))) return false;
    }
    this.#lastStart = performance.now();
    return true;
  }

  /**
   * One request for the batch; if the service refuses it for good, each article on its own, so that
   * the one it will not take is dropped and the others still go. False when closed meanwhile.
   */
  async #deliverAll(batch: Article[]): Promise<boolean> {
    const [only] = batch;
    if (batch.length === 1 && only) return this.#deliver(only);
    const outcome = await this.#attempt(batch);
    if (outcome !== "refused") return outcome === "done";
    for (const article of batch) if (!(await this.#deliver(article))) return false;
    return true;
  }

  /** True when the article is done with (delivered or given up on); false when closed meanwhile. */
  async #deliver(article: Article): Promise<boolean> {
    return (await this.#attempt([article])) !== "closed";
  }

  /**
   * Attempts until the target takes them, or refuses them for good, or maxAttempts is reached.
   * "refused" is reported (not logged as a drop) only for a batch of several, which the caller splits.
   */
  async #attempt(batch: Article[]): Promise<"done" | "refused" | "closed"> {
    const { label } = this.notifier;
    const [first] = batch;
    if (!first) return "done";
    const what =
      batch.length === 1 ? printable(first.messageId) : `${batch.length} articles (batch)`;
    for (let attempt = 1; ; attempt++) {
      if (this.signal.aborted) return "closed";
      try {
        if (batch.length === 1) await this.notifier.send(first, this.signal);
        else await this.notifier.sendBatch?.(batch, this.signal);
        if (attempt > 1) this.log(`${label}: delivered ${what} on attempt ${attempt}`);
        return "done";
      } catch (error) {
        if (this.signal.aborted) return "closed";
        const failed = `${label}: attempt ${attempt} failed: ${describe(error)}`;
        if (error instanceof DeliveryError && error.permanent) {
          if (batch.length > 1) {
            this.log(`${failed}; refused ${what}: sending them one by one`);
            return "refused";
          }
          this.log(`${failed}; dropped ${what} (refused: not retried)`);
          return "done";
        }
        if (this.retry.maxAttempts !== undefined && attempt >= this.retry.maxAttempts) {
          this.log(`${failed}; giving up on ${what}`);
          return "done";
        }
        const asked = error instanceof DeliveryError ? error.retryAfterMs : undefined;
        const delay =
          asked === undefined
            ? backoff(this.retry, attempt)
            : Math.min(Math.max(asked, 100), this.retry.maxRetryAfterMs ?? 3_600_000);
        const why = asked === undefined ? "" : " (as the service asked)";
        this.log(`${failed}; retrying in ${formatDelay(delay)}${why}`);
        if (!(await sleep(delay, this.signal))) return "closed";
      }
    }
  }
}

/** Exponential, capped, with ±20% jitter so that many queues don't retry in lockstep. */
export function backoff(retry: RetryPolicy, attempt: number, random = Math.random): number {
  const base = Math.min(retry.maxMs, retry.initialMs * 2 ** (attempt - 1));
  return Math.round(Math.min(retry.maxMs, base * (0.8 + 0.4 * random())));
}

function formatDelay(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  return `${Number((ms / 1000).toFixed(1))}s`;
}

function describe(error: unknown): string {
  const message = errorMessage(error);
  return printable(message.replace(/\s*\n\s*/g, " | "));
}
