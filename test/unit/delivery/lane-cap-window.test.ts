/**
 * maxBacklog in a burst: the lane checks the cap at once, then at most once per window however
 * many wakes arrive (each check costs the queue a scan, drop lines and a summary rewrite). The
 * clock and timer are faked: no test here sleeps.
 */
import { describe, expect, it } from "vitest";
import type { Article } from "../../../src/article/article.js";
import { CAP_WINDOW_MS, Lane } from "../../../src/delivery/lane.js";
import { LocalQueue } from "../../../src/delivery/local-queue.js";
import { MemoryStore } from "../../../src/delivery/memory-store.js";
import { isSummaryId, type OverflowPlan } from "../../../src/delivery/overflow.js";
import type { Notifier } from "../../../src/notify/notifier.js";
import { makeArticle } from "../notify/article-factory.js";
import { FakeTimers } from "./fake-timers.js";

/** The local queue in memory, counting the lane's maxBacklog checks. */
class CountingQueue extends LocalQueue {
  checks = 0;
  override async overflow(target: string, cap: number): Promise<OverflowPlan | null> {
    this.checks++;
    return super.overflow(target, cap);
  }
}

/** A target that never answers: its one worker holds its first claim until dropped or closed. */
function silent(maxBacklog: number): Notifier {
  return {
    label: "silent",
    maxBacklog,
    preview: () => null,
    send: (_a: Article, signal?: AbortSignal) =>
      new Promise<void>((_resolve, reject) => {
        signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
      }),
  };
}

/** Lets every callback queued now run (checks, claims): counts turns, never time. */
async function turns(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

const CAP = 10;

function setUp() {
  const timers = new FakeTimers();
  const queue = new CountingQueue(new MemoryStore());
  const abort = new AbortController();
  const lines: string[] = [];
  const lane = new Lane(
    silent(CAP),
    "t",
    queue,
    { initialMs: 1, maxMs: 5 },
    (l) => lines.push(l),
    abort.signal,
    () => {},
    timers,
  );
  // As the Dispatcher wires it: every enqueue wakes the lane.
  queue.onWork(() => lane.wake());
  const ids = () => [...queue.store.entries("t")].map(([id]) => id);
  const summaries = () =>
    ids()
      .filter(isSummaryId)
      .map((id) => queue.store.read("t", id).notice?.dropped);
  const articles = () => ids().filter((id) => !isSummaryId(id));
  return { timers, queue, abort, lane, lines, summaries, articles };
}

/** A burst: n articles, each enqueued (and waking the lane) after the previous check could end. */
async function burst(queue: LocalQueue, n: number, from = 1): Promise<void> {
  for (let i = from; i < from + n; i++) {
    await queue.enqueue(makeArticle({ messageId: `<${i}@x>` }), ["t"]);
    await turns(2);
  }
}

describe("a lane's maxBacklog check in a burst", () => {
  it("1,000 wakes within one window: at most 2 checks; after the window the cap holds, one summary", async () => {
    const { timers, queue, abort, lane, lines, summaries, articles } = setUp();
    await burst(queue, 1000);
    expect(queue.checks).toBeGreaterThanOrEqual(1);
    expect(queue.checks).toBeLessThanOrEqual(2);
    // Between checks the backlog may exceed the cap by what arrived in the window.
    expect(articles().length).toBeGreaterThan(CAP);

    await timers.advance(timers.t + CAP_WINDOW_MS);
    await turns();
    expect(articles()).toEqual(Array.from({ length: CAP }, (_, i) => `<${991 + i}@x>`));
    expect(summaries()).toEqual([1000 - CAP]);
    expect(lines.filter((l) => l.includes("more than maxBacklog"))).toHaveLength(1);
    expect(queue.checks).toBeLessThanOrEqual(3);
    abort.abort();
    await lane.stopped();
  });

  it("no check sooner than a window after the last one, and none without a wake", async () => {
    const { timers, queue, abort, lane, summaries, articles } = setUp();
    await burst(queue, CAP + 1);
    expect(queue.checks).toBe(1);
    expect(summaries()).toEqual([1]);
    await burst(queue, 5, CAP + 2);
    expect(queue.checks).toBe(1);
    await timers.advance(timers.t + CAP_WINDOW_MS - 1);
    await turns();
    expect(queue.checks).toBe(1);
    await timers.advance(timers.t + 1);
    await turns();
    expect(queue.checks).toBe(2);
    expect(articles()).toHaveLength(CAP);
    expect(summaries()).toEqual([6]);
    // Nothing arrived since: no timer left, and a quiet lane is not checked again.
    await turns();
    await timers.advance(timers.t + 10 * CAP_WINDOW_MS);
    await turns();
    expect(queue.checks).toBeLessThanOrEqual(3);
    expect(timers.armed().length).toBe(0);
    // A wake a window after the last check is checked at once again.
    await timers.advance(timers.t + CAP_WINDOW_MS);
    const before = queue.checks;
    await burst(queue, 1, 100);
    expect(queue.checks).toBe(before + 1);
    expect(articles()).toHaveLength(CAP);
    abort.abort();
    await lane.stopped();
  });

  it("an abort cancels a pending window's check, and stopped() does not wait for it", async () => {
    const { timers, queue, abort, lane } = setUp();
    await burst(queue, CAP + 5);
    expect(timers.armed().length).toBe(1);
    abort.abort();
    expect(timers.armed().length).toBe(0);
    // The clock never moves: stopped() resolves on the workers alone.
    await lane.stopped();
    const checks = queue.checks;
    await timers.advance(timers.t + CAP_WINDOW_MS);
    await turns();
    expect(queue.checks).toBe(checks);
  });
});
