/**
 * Rate limits on a fake clock: which slot each send gets, and which entries share a pacer. (The
 * real-receiver tests in delivery.test.ts show the pacer sits on the send path; the spacing itself
 * is asserted here, where no connect time or load can move it.)
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { buildNotifiers, type Routed } from "../../../src/notify/build.js";
import { Pacer } from "../../../src/notify/pace.js";
import type { NotifierConfig } from "../../../src/notify/registry.js";

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

const NEVER = new AbortController().signal;

/** Starts `n` waits at once and returns, per wait, the fake time at which it resolved. */
function slots(pacer: Pacer, n: number, signal = NEVER) {
  const start = Date.now();
  const at: (number | null)[] = Array.from({ length: n }, () => null);
  const waits = at.map((_, i) =>
    pacer.wait(signal).then((ok) => {
      at[i] = ok ? Date.now() - start : -1;
    }),
  );
  return { at, done: Promise.all(waits) };
}

test.each([
  { perSecond: 5, expected: [0, 200, 400, 600] },
  { perSecond: 1, expected: [0, 1000, 2000] },
  { perSecond: 20, expected: [0, 50, 100, 150, 200] },
])(
  "$perSecond/s: concurrent callers get slots $expected ms apart",
  async ({ perSecond, expected }) => {
    const { at, done } = slots(new Pacer(perSecond), expected.length);
    // One millisecond before each slot, that caller is still waiting.
    for (const [i, ms] of expected.entries()) {
      if (ms > 0) {
        await vi.advanceTimersByTimeAsync(ms - 1 - (expected[i - 1] ?? 0));
        expect(at[i]).toBeNull();
        await vi.advanceTimersByTimeAsync(1);
      } else await vi.advanceTimersByTimeAsync(0);
      expect(at[i]).toBe(ms);
    }
    await done;
    expect(at).toEqual(expected);
  },
);

test("a caller after a quiet spell goes at once; the next is spaced from it", async () => {
  const pacer = new Pacer(5);
  await vi.advanceTimersByTimeAsync(0);
  expect(await pacer.wait(NEVER)).toBe(true);
  await vi.advanceTimersByTimeAsync(5000);
  const { at, done } = slots(pacer, 2);
  await vi.advanceTimersByTimeAsync(200);
  await done;
  expect(at).toEqual([0, 200]);
});

test("an abort ends the wait with false, at once", async () => {
  const pacer = new Pacer(1);
  const stop = new AbortController();
  const { at, done } = slots(pacer, 3, stop.signal);
  await vi.advanceTimersByTimeAsync(0);
  expect(at).toEqual([0, null, null]);
  stop.abort();
  await done;
  expect(at).toEqual([0, -1, -1]);
});

const slack = (url: string, rateLimitPerSecond?: number) =>
  ({ type: "slack", url, rateLimitPerSecond, template: url }) as NotifierConfig;

test.each([
  {
    name: "two entries on one URL share one pacer, at the stricter rate",
    entries: [
      slack("https://hooks.slack.com/services/A/B/C", 5),
      slack("https://hooks.slack.com/services/A/B/C", 10),
    ],
    shared: true,
    rates: [5, 5],
  },
  {
    name: "the stricter one second still wins",
    entries: [
      slack("https://hooks.slack.com/services/A/B/C", 10),
      slack("https://hooks.slack.com/services/A/B/C", 5),
    ],
    shared: true,
    rates: [5, 5],
  },
  {
    name: "different URLs: a pacer each",
    entries: [
      slack("https://hooks.slack.com/services/A/B/C", 5),
      slack("https://hooks.slack.com/services/D/E/F", 10),
    ],
    shared: false,
    rates: [5, 10],
  },
  {
    name: "Slack with no rate set: the service's 1/s",
    entries: [slack("https://hooks.slack.com/services/A/B/C")],
    shared: false,
    rates: [1],
  },
])("$name", ({ entries, shared, rates }) => {
  const built = buildNotifiers(entries) as Routed[];
  expect(built.map((n) => n.pacer?.perSecond)).toEqual(rates);
  if (built.length === 2) expect(built[0]?.pacer === built[1]?.pacer).toBe(shared);
});

test("a rate of 0 turns the limit off", () => {
  const [n] = buildNotifiers([slack("https://hooks.slack.com/services/A/B/C", 0)]) as Routed[];
  expect(n?.pacer).toBeUndefined();
});
