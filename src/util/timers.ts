/**
 * The clock and timers a long-running part reads, as one seam: the real ones in production, a fake
 * in unit tests (which then order events without sleeping and bound nothing by wall time).
 */
export interface Timers {
  /** ms since the epoch */
  now(): number;
  /** Calls `fn` once after `ms` unless the returned cancel runs first. */
  after(ms: number, fn: () => void): () => void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  after: (ms, fn) => {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};
