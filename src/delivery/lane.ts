import type { Article } from "../article/article.js";
import type { Notifier } from "../notify/notifier.js";
import { sleep } from "../notify/pace.js";
import { errorMessage } from "../util/errors.js";
import { printable } from "../util/printable.js";
import { realTimers, type Timers } from "../util/timers.js";
import { batchLimit, deliverBatch, Gatherer, type Settled } from "./batch.js";
import type { OverflowPlan } from "./overflow.js";
import { attemptUntilDone, type Outcome, type RetryPolicy } from "./retry.js";
import { SpacedRuns } from "./spaced-runs.js";
import { type DeliveryQueue, LEASE_MS, type Work } from "./work.js";

/** A notifier this far behind gets a log line (and again at ten times as many). */
export const BACKLOG_WARNING = 1000;

/**
 * With maxBacklog, the shortest time between two checks of the cap while a burst runs (the first
 * runs at once). Each check scans the target's backlog, writes a drop per entry over the cap and
 * rewrites the summary: run per article, that cost is paid most when the feed is busiest. A
 * quarter second keeps checks to four a second whatever the pace, while what may pile up past the
 * cap meanwhile stays what arrives in 250 ms (250 articles at 1,000 a second).
 */
export const CAP_WINDOW_MS = 250;

/** What a lane delivers to: a notifier, counting the entries its maxBacklog dropped (recorded.ts). */
export type LaneNotifier = Notifier & { overflowed?(count: number): void };

/**
 * One notifier's delivery workers, pulling its work from the delivery queue: one worker (strict
 * order) unless the notifier allows more requests in flight (a plain webhook does: a burst is then
 * not capped at one round trip per article). The lane holds no articles: only what its workers
 * claimed and are sending.
 */
export class Lane {
  /** Claimed by a worker and not settled (in flight, retrying, or stopped by close()). */
  #taken = 0;
  #workers = 0;
  /** Work may have come since a worker last found none: it looks again before it stops. */
  #again = false;
  /** A batching lane's worker start is scheduled (setImmediate) and not yet run. */
  #spawning = false;
  /** The backlog that makes the next warning (1,000, then 10,000, ...; reset once caught up). */
  #warnAt = BACKLOG_WARNING;
  readonly #running = new Set<Promise<void>>();
  /** With maxBacklog: the claimed entries being sent, and what aborts their attempt if dropped. */
  readonly #inflight = new Map<string, AbortController>();
  /** maxBacklog's checks: one at a time, at most one per CAP_WINDOW_MS. */
  readonly #trims: SpacedRuns;
  /**
   * With maxBacklog, when the last failed attempt's retry is due: a batch cut short by a drop does
   * not restart the backoff, so a target that is down is not tried once per article that arrives.
   */
  #notBefore = 0;
  /** Articles one request may carry. */
  readonly #most: number;
  readonly #gatherer: Gatherer;

  constructor(
    readonly notifier: LaneNotifier,
    readonly target: string,
    readonly queue: DeliveryQueue,
    readonly retry: RetryPolicy,
    readonly log: (line: string) => void,
    readonly signal: AbortSignal,
    readonly changed: () => void,
    timers: Timers = realTimers,
  ) {
    this.#most = batchLimit(notifier);
    this.#gatherer = new Gatherer(this.#most, signal, notifier.digestEveryMs);
    this.#trims = new SpacedRuns(() => this.#trim(), CAP_WINDOW_MS, timers, signal);
  }

  /** Pending for this notifier, claimed or not (as far as this process knows). */
  get size(): number {
    return this.queue.size(this.target);
  }

  /** Work may be due: starts workers as needed. */
  wake(): void {
    if (this.signal.aborted) return;
    this.#again = true;
    const cap = this.notifier.maxBacklog;
    // Between checks the backlog may exceed the cap by what arrives in the window.
    if (cap !== undefined && this.size > cap) this.#trims.request();
    if (this.size >= this.#warnAt) {
      this.log(
        `${this.notifier.label}: ${this.size} notifications waiting: delivering slower than articles ` +
          "arrive (the target is down or slow, or its rate limit is below the feed's pace; route " +
          "fewer groups to it?); " +
          (cap === undefined
            ? "none is dropped, the outbox keeps them (maxBacklog caps it)"
            : `past maxBacklog ${cap} the oldest are dropped`),
      );
      this.#warnAt *= 10;
    }
    if (this.#most === 1) {
      this.#spawn();
      return;
    }
    // Batching: let everything enqueued in this turn of the event loop (e.g. all the admissions
    // one write released) join the first request, instead of starting one request per article.
    if (this.#spawning) return;
    this.#spawning = true;
    setImmediate(() => {
      this.#spawning = false;
      this.#spawn();
    });
  }

  /**
   * Starts workers up to the notifier's concurrency while work waits. A batching lane runs one
   * worker (each request takes what gathered during the last) and adds one only per full batch
   * waiting: a slow receiver still gets parallel requests in a long backlog.
   */
  #spawn(): void {
    if (this.signal.aborted) return;
    const limit = Math.max(1, this.notifier.concurrency ?? 1);
    const most = this.#most;
    let waiting = this.size - this.#taken;
    while (this.#workers < limit && waiting > 0 && (this.#workers === 0 || waiting >= most)) {
      this.#workers++;
      waiting -= most;
      const worker: Promise<void> = this.#work().finally(() => this.#running.delete(worker));
      this.#running.add(worker);
    }
  }

  async stopped(): Promise<void> {
    // Not a check waiting for its window: the abort that stops the lane cancelled it.
    while (this.#running.size > 0 || this.#trims.running)
      await Promise.all([...this.#running, this.#trims.running]);
  }

  /**
   * Applies maxBacklog in the queue: what is pending now past the cap, oldest first, is dropped
   * (the newest `cap` kept).
   */
  async #trim(): Promise<void> {
    const cap = this.notifier.maxBacklog;
    if (cap === undefined || this.signal.aborted) return;
    let plan: OverflowPlan | null;
    try {
      plan = await this.queue.overflow(this.target, cap);
    } catch (e) {
      // A later wake tries again (a window on); nothing was dropped that the queue did not record.
      this.log(`${this.notifier.label}: maxBacklog check failed: ${printable(errorMessage(e))}`);
      return;
    }
    if (plan) this.#overflowed(plan, cap);
  }

  #overflowed(plan: OverflowPlan, cap: number): void {
    this.notifier.overflowed?.(plan.drop.length);
    // A dropped entry being sent (or retried) now is given up: the newest are what is kept.
    for (const id of plan.drop) this.#inflight.get(id)?.abort(new Error("dropped by maxBacklog"));
    // The summary being sent (or retried) was rewritten: claimed again, it goes with the new count.
    this.#inflight.get(plan.summaryId)?.abort(new Error("summary rewritten by maxBacklog"));
    if (!plan.rewrite) {
      this.log(
        `${this.notifier.label}: more than maxBacklog ${cap} waiting: the oldest are dropped, ` +
          "one message will say how many",
      );
    }
  }

  async #work(): Promise<void> {
    const most = this.#most;
    try {
      while (!this.signal.aborted) {
        this.#again = false;
        const gathers = most > 1 || this.notifier.digestEveryMs !== undefined;
        if (gathers && !(await this.#gatherer.ready(this.size - this.#taken))) return;
        // Everything due, up to the notifier's batch size: one request carries a burst's backlog.
        const batch = await this.#persist("claim", () =>
          this.queue.claim(this.target, most, LEASE_MS),
        );
        if (batch === null) return;
        if (batch.length === 0) {
          // Synchronous with the decrement below: a wake after this starts a new worker.
          if (this.#again) continue;
          return;
        }
        this.#gatherer.carried(batch.length);
        if (!(await this.#deliver(batch))) return;
        if (this.size === 0 && this.#warnAt > BACKLOG_WARNING) {
          this.log(`${this.notifier.label}: caught up`);
          this.#warnAt = BACKLOG_WARNING;
        }
        this.changed();
      }
    } finally {
      this.#workers--;
    }
  }

  /** Delivers a claimed batch and settles each item in the queue; false when stopped by close(). */
  async #deliver(batch: readonly Work[]): Promise<boolean> {
    this.#taken += batch.length;
    const open = new Set(batch);
    // Only with maxBacklog: a dropped entry's attempt is aborted without stopping the lane.
    let signal = this.signal;
    if (this.notifier.maxBacklog !== undefined) {
      const cut = new AbortController();
      for (const w of batch) this.#inflight.set(w.messageId, cut);
      signal = AbortSignal.any([this.signal, cut.signal]);
    }
    const settle = async (items: readonly Work[], how: Settled) => {
      for (const w of items) open.delete(w);
      this.#taken -= items.length;
      // Until the queue has it (a shared one may be unreachable for a while): a done lost here
      // would let the lease run out and the article go out again.
      if (how === "done") {
        this.#notBefore = 0;
        await this.#persist("done", () => this.queue.done(items));
      } else
        for (const w of items)
          await this.#persist("drop", () => this.queue.dropped(w, how.dropped));
    };
    try {
      const wait = this.#notBefore - Date.now();
      if (wait > 0 && !(await sleep(wait, signal))) return !this.signal.aborted;
      // Cut short by maxBacklog (not by close()): the worker goes on with the next claim.
      return (
        (await deliverBatch(batch, (items) => this.#attempt(items, signal), settle)) ||
        !this.signal.aborted
      );
    } finally {
      for (const w of batch) this.#inflight.delete(w.messageId);
      if (open.size > 0) {
        // Stopped by close(): given back untouched (the queue keeps them for the next start).
        this.#taken -= open.size;
        await this.queue.release([...open]).catch(() => {});
      }
    }
  }

  /**
   * Runs a queue call until it succeeds, waiting 1, 2, 4 … 30 s between tries (a shared queue's
   * database may be down for a while: delayed, never lost). Null when closed meanwhile.
   */
  async #persist<T>(what: string, call: () => Promise<T>): Promise<T | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (e) {
        if (this.signal.aborted) return null;
        const ms = Math.min(30_000, 1000 * 2 ** (attempt - 1));
        if (attempt === 1 || ms === 30_000) {
          this.log(
            `${this.notifier.label}: delivery queue ${what} failed: ${printable(errorMessage(e))}; ` +
              `trying again in ${ms / 1000} s`,
          );
        }
        if (!(await sleep(ms, this.signal))) return null;
      }
    }
  }

  /** One request (send, or sendBatch for several), retried as the policy says. */
  #attempt(batch: readonly Work[], signal: AbortSignal): Promise<Outcome> {
    const [first] = batch;
    if (!first) return Promise.resolve("done");
    const several = batch.length > 1;
    const what = several ? `${batch.length} articles (batch)` : printable(first.messageId);
    const articles: readonly Article[] = batch.map((w) => w.article);
    const send = several
      ? async () => {
          await this.notifier.sendBatch?.(articles, signal);
        }
      : () => this.notifier.send(first.article, signal);
    return attemptUntilDone(send, what, several, {
      label: this.notifier.label,
      retry: this.retry,
      log: this.log,
      signal,
      failed: (retryAt) => {
        // Only a cut batch waits for it: without maxBacklog, workers keep their own backoff.
        if (this.notifier.maxBacklog !== undefined) this.#notBefore = retryAt;
        return this.queue.failed(batch, retryAt);
      },
    });
  }
}
