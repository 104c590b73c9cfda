import type { Timers } from "../util/timers.js";

/**
 * Runs an async job on request, never two at once and at most once per window: at once when the
 * last run ended at least `windowMs` ago, else once at the window's end however many requests came
 * meanwhile (a request during a run asks for one more). An abort of `signal` cancels a run waiting
 * for its window; a run in progress is the job's to end. The job handles its own errors.
 */
export class SpacedRuns {
  #running: Promise<void> | null = null;
  /** Cancels the run waiting for the window to end; null when none waits. */
  #cancel: (() => void) | null = null;
  #again = false;
  #lastEnd = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly job: () => Promise<void>,
    private readonly windowMs: number,
    private readonly timers: Timers,
    private readonly signal: AbortSignal,
  ) {
    signal.addEventListener(
      "abort",
      () => {
        this.#cancel?.();
        this.#cancel = null;
      },
      { once: true },
    );
  }

  /** The run in progress (shutdown waits for it, never for one waiting for its window). */
  get running(): Promise<void> | null {
    return this.#running;
  }

  request(): void {
    if (this.signal.aborted) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#cancel) return;
    const wait = this.#lastEnd + this.windowMs - this.timers.now();
    if (wait <= 0) {
      this.#run();
      return;
    }
    this.#cancel = this.timers.after(wait, () => {
      this.#cancel = null;
      this.#run();
    });
  }

  #run(): void {
    if (this.signal.aborted) return;
    this.#again = false;
    this.#running = this.job().finally(() => {
      this.#running = null;
      this.#lastEnd = this.timers.now();
      if (this.#again) this.request();
    });
  }
}
