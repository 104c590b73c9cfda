import type { Timers } from "../../../src/util/timers.js";

/** Timers whose clock moves only when the test says. */
export class FakeTimers implements Timers {
  t = 0;
  pending: { at: number; fn: () => void; cancelled: boolean }[] = [];
  now = () => this.t;
  after = (ms: number, fn: () => void) => {
    const entry = { at: this.t + ms, fn, cancelled: false };
    this.pending.push(entry);
    return () => {
      entry.cancelled = true;
    };
  };
  /** The times of timers still armed. */
  armed(): number[] {
    return this.pending.filter((p) => !p.cancelled).map((p) => p.at);
  }
  /** Moves the clock to `to`, firing what falls due, and lets the promises it started settle. */
  async advance(to: number): Promise<void> {
    for (;;) {
      const next = this.pending
        .filter((p) => !p.cancelled && p.at <= to)
        .sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.t = next.at;
      next.cancelled = true;
      next.fn();
      for (let i = 0; i < 10; i++) await Promise.resolve();
    }
    this.t = to;
  }
}
