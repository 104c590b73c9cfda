/** Batching: how many articles one request carries, and how a batching lane spaces its requests. */
import type { Notifier } from "../notify/notifier.js";
import { sleep } from "../notify/pace.js";
import type { Outcome } from "./retry.js";

/** A batching lane under load sends at most one request per this many ms (see Gatherer). */
export const GATHER_MS = 20;

/** Articles one request may carry: the notifier's batch size if it can send batches, else 1. */
export function batchLimit(notifier: Notifier): number {
  return Math.max(1, notifier.sendBatch ? (notifier.maxBatch ?? 1) : 1);
}

/**
 * Under load (the last request carried several), waits until GATHER_MS after the last request
 * started, unless a full batch is waiting: requests then go at most every GATHER_MS and each carries
 * what gathered meanwhile, instead of many small ones. An article arriving alone goes at once.
 */
export class Gatherer {
  /** When the last request started (performance.now()), and how many it carried. */
  #lastStart = 0;
  #lastSize = 0;

  constructor(
    readonly most: number,
    readonly signal: AbortSignal,
    /** A digest's period: each request waits this long, unless a full one is waiting. */
    readonly digestEveryMs?: number,
  ) {}

  /** Resolves once the next request may start, with `waiting` queued; false when closed meanwhile. */
  async ready(waiting: number): Promise<boolean> {
    if (this.digestEveryMs) {
      if (waiting < this.most && !(await sleep(this.digestEveryMs, this.signal))) return false;
      this.#lastStart = performance.now();
      return true;
    }
    const wait = this.#lastStart + GATHER_MS - performance.now();
    if (this.#lastSize > 1 && wait > 0 && waiting < this.most) {
      if (!(await sleep(wait, this.signal))) return false;
    }
    this.#lastStart = performance.now();
    return true;
  }

  /** The request that just started carries `n` articles. */
  carried(n: number): void {
    this.#lastSize = n;
  }
}

/** How an item ended: delivered, or dropped with the reason. */
export type Settled = "done" | { dropped: string };

/**
 * One request for the batch; if the service refuses it for good, each item on its own, so that the
 * one it will not take is dropped and the others still go. Each item is settled as it ends. False
 * when closed meanwhile (the items not settled are left to the caller).
 */
export async function deliverBatch<T>(
  batch: readonly T[],
  attempt: (items: readonly T[]) => Promise<Outcome>,
  settle: (items: readonly T[], how: Settled) => Promise<void>,
): Promise<boolean> {
  if (batch.length > 1) {
    const outcome = await attempt(batch);
    if (outcome === "closed") return false;
    if (outcome !== "refused") {
      await settle(batch, outcome);
      return true;
    }
  }
  for (const item of batch) {
    const outcome = await attempt([item]);
    if (outcome === "closed") return false;
    await settle([item], outcome === "refused" ? { dropped: "refused" } : outcome);
  }
  return true;
}
