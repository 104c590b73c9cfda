/**
 * SpacedRuns with injected timers and a job the test ends by hand: when runs start, how requests
 * coalesce, and what an abort cancels. No real time passes.
 */
import { describe, expect, it } from "vitest";
import { SpacedRuns } from "../../../src/delivery/spaced-runs.js";
import { FakeTimers } from "./fake-timers.js";

const WINDOW = 100;

function setUp() {
  const timers = new FakeTimers();
  const abort = new AbortController();
  /** Start times of the runs, and the way to end the one in progress. */
  const started: number[] = [];
  let finish: (() => void) | null = null;
  const runs = new SpacedRuns(
    () =>
      new Promise<void>((resolve) => {
        started.push(timers.now());
        finish = resolve;
      }),
    WINDOW,
    timers,
    abort.signal,
  );
  const end = async () => {
    finish?.();
    finish = null;
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { timers, abort, runs, started, end };
}

describe("SpacedRuns", () => {
  it("runs the first request at once and never two at once", async () => {
    const { runs, started, end } = setUp();
    runs.request();
    runs.request();
    expect(started).toEqual([0]);
    expect(runs.running).not.toBeNull();
    await end();
    expect(runs.running).toBeNull();
  });

  it("requests during a run and its window make one run, a window after it ended", async () => {
    const { timers, runs, started, end } = setUp();
    runs.request();
    // The run takes longer than a window: the next one waits a window from its end.
    await timers.advance(3 * WINDOW);
    for (let i = 0; i < 10; i++) runs.request();
    await end();
    expect(timers.armed()).toEqual([4 * WINDOW]);
    for (let i = 0; i < 10; i++) runs.request();
    await timers.advance(4 * WINDOW - 1);
    expect(started).toEqual([0]);
    await timers.advance(4 * WINDOW);
    expect(started).toEqual([0, 4 * WINDOW]);
    await end();
    expect(timers.armed()).toEqual([]);
  });

  it.each([
    ["a window after the last run ended: at once", WINDOW, [0, WINDOW]],
    ["later still: at once", 5 * WINDOW, [0, 5 * WINDOW]],
    ["sooner: at the window's end", WINDOW / 2, [0, WINDOW]],
  ])("a request with no run in progress, %s", async (_what, at, expected) => {
    const { timers, runs, started, end } = setUp();
    runs.request();
    await end();
    await timers.advance(at);
    runs.request();
    await timers.advance(Math.max(at, WINDOW));
    expect(started).toEqual(expected);
  });

  it("an abort cancels the run waiting for its window; later requests do nothing", async () => {
    const { timers, abort, runs, started, end } = setUp();
    runs.request();
    await end();
    runs.request();
    expect(timers.armed()).toEqual([WINDOW]);
    abort.abort();
    expect(timers.armed()).toEqual([]);
    runs.request();
    await timers.advance(10 * WINDOW);
    runs.request();
    expect(started).toEqual([0]);
    expect(runs.running).toBeNull();
  });
});
