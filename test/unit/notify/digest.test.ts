import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import type { Article } from "../../../src/article/article.js";
import { notifierEntry } from "../../../src/config/notifiers.js";
import { Dispatcher } from "../../../src/delivery/dispatcher.js";
import { LocalQueue } from "../../../src/delivery/local-queue.js";
import { buildNotifiers } from "../../../src/notify/build.js";
import { DigestNotifier, digestArticle, parseDuration } from "../../../src/notify/digest.js";
import type { Notifier } from "../../../src/notify/notifier.js";
import type { NotifierConfig } from "../../../src/notify/registry.js";
import { Outbox } from "../../../src/state/outbox.js";
import { type Receiver, startReceiver } from "../../helpers/receiver.js";
import { makeArticle } from "./article-factory.js";

/** Records each message it is asked to send (the summary article a digest makes). */
function capture(): Notifier & { sent: { at: number; article: Article }[] } {
  const sent: { at: number; article: Article }[] = [];
  return {
    label: "capture",
    sent,
    preview: (a) => a,
    async send(article) {
      sent.push({ at: Date.now(), article });
    },
  };
}
const log: string[] = [];

/** Lets what is ready run (I/O, promises, immediates) until `done` holds; time does not move. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200_000 && !done(); i++) await new Promise((r) => setImmediate(r));
  expect(done()).toBe(true);
}

// The digest's period is read on a fake clock: setTimeout and Date are vitest's, setImmediate stays
// real (the outbox writes through it).
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
});
afterEach(() => {
  vi.useRealTimers();
});

test.each<[string | number, number | undefined]>([
  ["10m", 600_000],
  ["90s", 90_000],
  ["1.5h", 5_400_000],
  ["1d", 86_400_000],
  [30, 30_000],
  ["10", undefined],
  ["m", undefined],
  ["-1m", undefined],
])("duration %j → %s ms", (text, ms) => {
  expect(parseDuration(text)).toBe(ms);
});

test("config: digest {every, max} on any notifier; nonsense refused", () => {
  const entry = notifierEntry({});
  const ok = entry.safeParse({ type: "irc", host: "h", channel: "#n", digest: { every: "10m" } });
  expect(ok.success && (ok.data as { digest: unknown }).digest).toEqual({
    every: 600_000,
    max: 50,
  });
  const bad = entry.safeParse({
    type: "slack",
    url: "https://x.example/h",
    digest: { every: "0s", max: 0 },
  });
  expect(bad.success).toBe(false);
  expect(bad.error?.issues.map((i) => i.path.join("."))).toEqual(["digest.every", "digest.max"]);
});

test("the summary: a count, the groups, one line per article with its link", () => {
  const a = makeArticle({
    subject: "One\r\nBcc: x",
    group: "comp.lang.c",
    newsgroups: ["comp.lang.c"],
  });
  const b = makeArticle({ subject: "Two", from: { name: "", address: "b@example.net" } });
  const d = digestArticle([a, b], "news:{messageIdBare}");
  expect(d.subject).toBe("2 new articles in comp.lang.c, local.test");
  expect(d.snippet.split("\n")).toEqual([
    `One Bcc: x — Ada Lovelace (comp.lang.c) news:${a.messageId.slice(1, -1).replace("@", "%40")}`,
    `Two — b@example.net (local.test) news:${b.messageId.slice(1, -1).replace("@", "%40")}`,
  ]);
  expect(d.messageId).toBe(a.messageId);
});

test("one message per period with what gathered; a quiet period sends nothing; a full one goes at once", async () => {
  const inner = capture();
  const d = new Dispatcher(
    [new DigestNotifier(inner, { everyMs: 300, max: 3 }, "news:{messageIdBare}")],
    {
      log: (l) => log.push(l),
    },
  );
  const start = Date.now();
  d.dispatch(makeArticle());
  await vi.advanceTimersByTimeAsync(100);
  d.dispatch(makeArticle());
  await vi.advanceTimersByTimeAsync(199);
  expect(inner.sent).toHaveLength(0);
  await vi.advanceTimersByTimeAsync(1);
  await until(() => inner.sent.length === 1);
  expect(inner.sent[0]?.article.subject).toBe("2 new articles in local.test");
  expect((inner.sent[0]?.at ?? 0) - start).toBe(300);
  await vi.advanceTimersByTimeAsync(700);
  expect(inner.sent).toHaveLength(1);
  for (let i = 0; i < 5; i++) d.dispatch(makeArticle());
  const burst = Date.now();
  // A full digest (max 3) goes without waiting for the period: the clock has not moved.
  await until(() => inner.sent.length === 2);
  expect(inner.sent[1]?.at).toBe(burst);
  expect(inner.sent[1]?.article.subject).toBe("3 new articles in local.test");
  await vi.advanceTimersByTimeAsync(300);
  await until(() => inner.sent.length === 3);
  expect(inner.sent.map((s) => s.article.subject)).toEqual([
    "2 new articles in local.test",
    "3 new articles in local.test",
    "2 new articles in local.test",
  ]);
  const closed = d.close();
  await vi.runAllTimersAsync();
  await closed;
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "newsnotify-digest-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

test("durable: a digest not yet sent at a stop is sent after the restart, from the outbox", async () => {
  const articles = [makeArticle(), makeArticle()];
  let outbox = await Outbox.open(dir);
  const first = capture();
  let queue = new LocalQueue(outbox);
  let d = new Dispatcher(
    [new DigestNotifier(first, { everyMs: 5000, max: 50 }, "news:{messageIdBare}")],
    {
      log: (l) => log.push(l),
      queue: { queue, targets: ["t"] },
    },
  );
  for (const a of articles) await queue.enqueue(a, ["t"]);
  // Its worker waits for the period (a timer: 5 s), which never comes here.
  await until(() => vi.getTimerCount() > 0);
  await d.close();
  await queue.close();
  expect(first.sent).toHaveLength(0);

  outbox = await Outbox.open(dir);
  expect(outbox.pendingCount()).toBe(2);
  const second = capture();
  queue = new LocalQueue(outbox);
  // The restarted workers find the journal's entries by themselves: nothing is dispatched again.
  d = new Dispatcher(
    [new DigestNotifier(second, { everyMs: 200, max: 50 }, "news:{messageIdBare}")],
    {
      log: (l) => log.push(l),
      queue: { queue, targets: ["t"] },
    },
  );
  await vi.advanceTimersByTimeAsync(200);
  await until(() => second.sent.length === 1 && outbox.pendingCount() === 0);
  const closed = d.close();
  await vi.runAllTimersAsync();
  await closed;
  expect(second.sent).toHaveLength(1);
  expect(second.sent[0]?.article.subject).toBe("2 new articles in local.test");
  await outbox.close();
});

test("webhook with a digest: one request with the JSON contract's batch body", async () => {
  const rx: Receiver = await startReceiver();
  try {
    const [n] = buildNotifiers([
      {
        type: "webhook",
        url: `${rx.url}/hook`,
        timeoutMs: 2000,
        digest: { every: 200, max: 50 },
      } as NotifierConfig,
    ]);
    if (!n) throw new Error("no notifier");
    const d = new Dispatcher([n], { log: (l) => log.push(l) });
    const a = makeArticle();
    const b = makeArticle();
    d.dispatch(a);
    d.dispatch(b);
    await vi.advanceTimersByTimeAsync(200);
    await until(() => rx.requests.length === 1);
    const closed = d.close();
    await vi.runAllTimersAsync();
    await closed;
    expect(rx.requests).toHaveLength(1);
    const body = rx.requests[0]?.body as { articles: { messageId: string }[] } | undefined;
    expect(body?.articles.map((x) => x.messageId)).toEqual([a.messageId, b.messageId]);
  } finally {
    await rx.close();
  }
});
