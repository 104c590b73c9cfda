import { describe, expect, test } from "vitest";
import type { Article } from "../../../src/article/article.js";
import { GATHER_MS } from "../../../src/delivery/batch.js";
import { Dispatcher } from "../../../src/delivery/dispatcher.js";
import { backoff } from "../../../src/delivery/retry.js";
import { DeliveryError } from "../../../src/notify/http.js";
import type { Notifier } from "../../../src/notify/notifier.js";
import { makeArticle } from "../notify/article-factory.js";

const FAST = { initialMs: 5, maxMs: 20 };

/** Waits until `ok()` holds (a condition, not a guess of how long it takes); fails after 30 s (a hang, not load). */
async function until(ok: () => boolean, what = "condition"): Promise<void> {
  for (const t0 = Date.now(); !ok(); ) {
    if (Date.now() - t0 > 30_000) throw new Error(`${what} not reached in 30 s`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** A notifier in memory: records deliveries; `failures` makes the next sends throw. */
class FakeNotifier implements Notifier {
  readonly delivered: string[] = [];
  attempts = 0;
  constructor(
    readonly label: string,
    public failures = 0,
  ) {}
  preview(article: Article): unknown {
    return article.messageId;
  }
  async send(article: Article): Promise<void> {
    this.attempts++;
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (this.failures > 0) {
      this.failures--;
      throw new Error("HTTP 503 Service Unavailable\nsecond line");
    }
    this.delivered.push(article.messageId);
  }
}

/** Never finishes a send until aborted. */
class HangingNotifier implements Notifier {
  readonly label = "hanging";
  aborted = 0;
  started = 0;
  preview(): unknown {
    return null;
  }
  send(_article: Article, signal?: AbortSignal): Promise<void> {
    this.started++;
    return new Promise((_resolve, reject) => {
      signal?.addEventListener("abort", () => {
        this.aborted++;
        reject(signal.reason);
      });
    });
  }
}

describe("Dispatcher", () => {
  test("delivers every article to every notifier, in order", async () => {
    const a = new FakeNotifier("a");
    const b = new FakeNotifier("b");
    const dispatcher = new Dispatcher([a, b], { log: () => {}, retry: FAST });
    const articles = [makeArticle(), makeArticle(), makeArticle()];
    for (const article of articles) dispatcher.dispatch(article);
    expect(dispatcher.pending()).toBe(6);
    expect(await dispatcher.drain(2000)).toBe(0);
    const ids = articles.map((x) => x.messageId);
    expect(a.delivered).toEqual(ids);
    expect(b.delivered).toEqual(ids);
  });

  test("dispatch returns at once", () => {
    const hanging = new HangingNotifier();
    const dispatcher = new Dispatcher([hanging], { log: () => {} });
    dispatcher.dispatch(makeArticle());
    dispatcher.dispatch(makeArticle());
    expect(dispatcher.pending()).toBe(2);
    return dispatcher.close();
  });

  test("retries a failing send, one log line per failure, keeping order", async () => {
    const flaky = new FakeNotifier("flaky", 3);
    const log: string[] = [];
    const dispatcher = new Dispatcher([flaky], { log: (line) => log.push(line), retry: FAST });
    const first = makeArticle();
    const second = makeArticle();
    dispatcher.dispatch(first);
    dispatcher.dispatch(second);
    expect(await dispatcher.drain(2000)).toBe(0);
    expect(flaky.delivered).toEqual([first.messageId, second.messageId]);
    expect(flaky.attempts).toBe(5);
    expect(log).toHaveLength(4);
    expect(log[0]).toMatch(
      /^flaky: attempt 1 failed: HTTP 503 Service Unavailable \| second line; retrying in \d+ms$/,
    );
    expect(log[2]).toMatch(/^flaky: attempt 3 failed: /);
    expect(log[3]).toBe(`flaky: delivered ${first.messageId} on attempt 4`);
  });

  test("an outage of one notifier does not hold up the others", async () => {
    const down = new FakeNotifier("down", Number.POSITIVE_INFINITY);
    const up = new FakeNotifier("up");
    const dispatcher = new Dispatcher([down, up], { log: () => {}, retry: FAST });
    const articles = [makeArticle(), makeArticle()];
    for (const article of articles) dispatcher.dispatch(article);
    await until(() => down.attempts > 5 && up.delivered.length === 2, "retries and deliveries");
    expect(dispatcher.pending()).toBe(2);
    expect(up.delivered).toEqual(articles.map((x) => x.messageId));
    expect(down.delivered).toEqual([]);
    expect(down.attempts).toBeGreaterThan(5);
    down.failures = 0;
    expect(await dispatcher.drain(2000)).toBe(0);
    expect(down.delivered).toEqual(articles.map((x) => x.messageId));
  });

  test("maxAttempts gives up on an article and goes on to the next", async () => {
    const flaky = new FakeNotifier("flaky", 2);
    const log: string[] = [];
    const dispatcher = new Dispatcher([flaky], {
      log: (line) => log.push(line),
      retry: { ...FAST, maxAttempts: 2 },
    });
    const lost = makeArticle();
    const next = makeArticle();
    dispatcher.dispatch(lost);
    dispatcher.dispatch(next);
    expect(await dispatcher.drain(2000)).toBe(0);
    expect(flaky.delivered).toEqual([next.messageId]);
    expect(log[1]).toMatch(
      new RegExp(`^flaky: attempt 2 failed: .*; giving up on ${lost.messageId}$`),
    );
  });

  test("close aborts in-flight sends and backoff waits; undelivered stay pending", async () => {
    const hanging = new HangingNotifier();
    const down = new FakeNotifier("down", Number.POSITIVE_INFINITY);
    const log: string[] = [];
    const dispatcher = new Dispatcher([hanging, down], {
      log: (line) => log.push(line),
      retry: { initialMs: 60_000, maxMs: 60_000 },
    });
    dispatcher.dispatch(makeArticle());
    // Both lanes busy: one send hanging, the other failed once and waiting out its backoff.
    await until(() => hanging.started === 1 && log.length === 1, "a hanging send and a failure");
    const logged = log.length;
    await dispatcher.close();
    expect(hanging.aborted).toBe(1);
    expect(dispatcher.pending()).toBe(2);
    expect(log).toHaveLength(logged);
    expect(() => dispatcher.dispatch(makeArticle())).toThrow("dispatcher is closed");
  });

  test("drain resolves at once when nothing is pending", async () => {
    expect(await new Dispatcher([], { log: () => {} }).drain(10_000)).toBe(0);
  });

  test("an article dispatched while the queue is emptying is still delivered", async () => {
    const a = new FakeNotifier("a");
    const dispatcher = new Dispatcher([a], { log: () => {}, retry: FAST });
    const second = makeArticle();
    dispatcher.dispatch(makeArticle());
    await dispatcher.drain(1000).then(() => dispatcher.dispatch(second));
    expect(await dispatcher.drain(1000)).toBe(0);
    expect(a.delivered.at(-1)).toBe(second.messageId);
  });
});

test.each([
  [1, 0.5, 1000],
  [2, 0.5, 2000],
  [3, 0.5, 4000],
  [3, 0, 3200],
  [3, 1, 4800],
  [10, 0.5, 60_000],
  [10, 1, 60_000],
])("backoff(attempt %i, random %d) = %i ms", (attempt, random, expected) => {
  expect(backoff({ initialMs: 1000, maxMs: 60_000 }, attempt, () => random)).toBe(expected);
});

/** A batching notifier in memory: records each request's Message-IDs; `refuse` is refused for good. */
class BatchNotifier implements Notifier {
  readonly label = "batch";
  readonly concurrency = 1;
  readonly requests: string[][] = [];
  /** Requests begun (the 1 ms of "network" not yet over). */
  started = 0;
  /** While set, a request waits for it before its 1 ms of "network". */
  gate: Promise<void> | null = null;
  constructor(
    readonly maxBatch: number,
    readonly refuse = new Set<string>(),
    public failures = 0,
  ) {}
  preview(article: Article): unknown {
    return article.messageId;
  }
  send(article: Article): Promise<void> {
    return this.sendBatch([article]);
  }
  async sendBatch(articles: readonly Article[]): Promise<void> {
    this.started++;
    if (this.gate) await this.gate;
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (this.failures > 0) {
      this.failures--;
      throw new DeliveryError("HTTP 503", false);
    }
    if (articles.some((a) => this.refuse.has(a.messageId))) {
      throw new DeliveryError("HTTP 400 Bad Request", true, undefined, 400);
    }
    this.requests.push(articles.map((a) => a.messageId));
  }
}

describe("Dispatcher with a batching notifier", () => {
  test.each([
    // maxBatch, articles dispatched in one turn of the event loop → request sizes
    { maxBatch: 100, n: 10, sizes: [10] },
    { maxBatch: 4, n: 10, sizes: [4, 4, 2] },
    { maxBatch: 1, n: 3, sizes: [1, 1, 1] },
  ])("maxBatch $maxBatch, $n queued → requests of $sizes", async ({ maxBatch, n, sizes }) => {
    const notifier = new BatchNotifier(maxBatch);
    const dispatcher = new Dispatcher([notifier], { log: () => {}, retry: FAST });
    const articles = Array.from({ length: n }, () => makeArticle());
    for (const article of articles) dispatcher.dispatch(article);
    expect(await dispatcher.drain(2000)).toBe(0);
    expect(notifier.requests.map((r) => r.length)).toEqual(sizes);
    expect(notifier.requests.flat()).toEqual(articles.map((a) => a.messageId));
  });

  test("under load, requests gather what arrives for GATHER_MS; a lone article goes at once", async () => {
    const notifier = new BatchNotifier(100);
    const dispatcher = new Dispatcher([notifier], { log: () => {}, retry: FAST });
    // The first request is held in flight until the test lets it go: how long three event-loop
    // turns take under load then decides nothing (a turn longer than GATHER_MS split the three).
    let release = () => {};
    notifier.gate = new Promise<void>((r) => {
      release = r;
    });
    for (let i = 0; i < 5; i++) dispatcher.dispatch(makeArticle());
    while (notifier.started < 1) await new Promise((r) => setImmediate(r));
    // Three more, one per event-loop turn, while the first request is in flight.
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setImmediate(r));
      dispatcher.dispatch(makeArticle());
    }
    notifier.gate = null;
    release();
    expect(await dispatcher.drain(2000)).toBe(0);
    expect(notifier.requests.map((r) => r.length)).toEqual([5, 3]);
    await new Promise((r) => setTimeout(r, GATHER_MS * 3)); // at least that long: load is over
    dispatcher.dispatch(makeArticle());
    // At once: within a few turns of the event loop, no timer (a gathering wait would be one).
    for (let i = 0; i < 5 && notifier.started < 3; i++) {
      await new Promise((r) => setImmediate(r));
    }
    expect(notifier.started).toBe(3);
    expect(await dispatcher.drain(2000)).toBe(0);
    expect(notifier.requests.map((r) => r.length)).toEqual([5, 3, 1]);
  });

  test("a failed batch is retried whole", async () => {
    const notifier = new BatchNotifier(10, new Set(), 2);
    const log: string[] = [];
    const dispatcher = new Dispatcher([notifier], { log: (l) => log.push(l), retry: FAST });
    const articles = Array.from({ length: 5 }, () => makeArticle());
    for (const article of articles) dispatcher.dispatch(article);
    expect(await dispatcher.drain(2000)).toBe(0);
    expect(notifier.requests.flat()).toEqual(articles.map((a) => a.messageId));
    expect(log.filter((l) => l.includes("retrying"))).toHaveLength(2);
  });

  test("a batch refused for good is split: only the refused article is dropped", async () => {
    const articles = Array.from({ length: 6 }, () => makeArticle());
    const bad = articles[3]?.messageId ?? "";
    const notifier = new BatchNotifier(10, new Set([bad]));
    const log: string[] = [];
    const dispatcher = new Dispatcher([notifier], { log: (l) => log.push(l), retry: FAST });
    for (const article of articles) dispatcher.dispatch(article);
    expect(await dispatcher.drain(2000)).toBe(0);
    expect(notifier.requests.flat()).toEqual(
      articles.map((a) => a.messageId).filter((id) => id !== bad),
    );
    expect(log.some((l) => l.includes("one by one"))).toBe(true);
    expect(log.filter((l) => l.includes("dropped"))).toEqual([expect.stringContaining(bad)]);
  });
});

test("a notifier that falls 1,000 behind is logged once per tenfold, and again when caught up", async () => {
  const slow = new BatchNotifier(1);
  const log: string[] = [];
  const dispatcher = new Dispatcher([slow], { log: (l) => log.push(l), retry: FAST });
  for (let i = 0; i < 1500; i++) dispatcher.dispatch(makeArticle());
  expect(log).toEqual([
    expect.stringMatching(/^batch: 1000 notifications waiting: .*none is dropped/),
  ]);
  expect(await dispatcher.drain(10_000)).toBe(0);
  expect(log).toHaveLength(2);
  expect(log[1]).toBe("batch: caught up");
});
