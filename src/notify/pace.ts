/** A per-target rate limit: sends are spaced at least 1/perSecond apart, across every queue that shares it. */
export class Pacer {
  readonly #intervalMs: number;
  #next = 0;

  constructor(readonly perSecond: number) {
    this.#intervalMs = 1000 / perSecond;
  }

  /** Resolves true when it is this caller's turn, false if `signal` aborts first. */
  wait(signal: AbortSignal, now: () => number = Date.now): Promise<boolean> {
    const t = now();
    // Reserve the slot before waiting, so that concurrent callers queue up behind each other.
    const at = Math.max(t, this.#next);
    this.#next = at + this.#intervalMs;
    return sleep(at - t, signal);
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
