/**
 * Issue 23 end to end: two hostile public posts (fixtures/hostile/corpus.mjs: 1 MB of "<" as
 * text/html, 600 nested message/rfc822 parts) go through the real innd while `watch` runs, then an
 * ordinary post, which must still be notified. On main the two hostile ones blocked the watcher's
 * event loop for minutes (no deliveries, bpftrace unread, SIGTERM unanswered).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostileArticles } from "../../fixtures/hostile/corpus.mjs";
import {
  ensureGroup,
  ensureInnd,
  innconfval,
  newMessageId,
  postAsync,
  requirePrerequisites,
} from "../helpers/inn.js";
import { type Receiver, startReceiver } from "../helpers/receiver.js";
import { startWatch, type Watcher, webhookConfig } from "../helpers/watch.js";

const POSTED = ["lt-flood", "nested-rfc822"];

describe("hostile posts under watch on a real innd", () => {
  let rx: Receiver;
  let watcher: Watcher;
  const tag = newMessageId("hostile").slice(1, -1).replace(/[@.]/g, "-");
  // As large as innd takes: its maxartsize counts the stored CRLF line ends.
  const max = Number(innconfval("maxartsize")) || 1_000_000;
  const hostile = hostileArticles(tag, Math.floor(max * 0.75)).filter((h) =>
    POSTED.includes(h.name),
  );
  const ordinaryId = newMessageId("after-hostile");
  let arrivalMs = Number.NaN;

  beforeAll(async () => {
    requirePrerequisites();
    ensureInnd();
    ensureGroup("local.test");
    // innd refuses what is over its maxartsize: the corpus must fit, or this test shows nothing.
    for (const h of hostile) {
      const stored = h.raw.length + h.raw.toString("latin1").split("\n").length;
      if (stored > max)
        throw new Error(`${h.name} is ${stored} bytes stored, over maxartsize ${max}`);
    }
    rx = await startReceiver();
    const config = webhookConfig(`${rx.url}/hook`, "newsnotify-e2e-hostile-");
    watcher = startWatch(config);
    await watcher.waitForLine(/ready: /);
    for (const h of hostile) await postAsync(h.raw.toString("latin1"));
    await postAsync(
      `Message-ID: ${ordinaryId}\nFrom: a@example.net\nNewsgroups: local.test\nSubject: ordinary\n\nStill here.\n`,
    );
    const posted = performance.now();
    await waitUntil(() => rx.requests.some((r) => idOf(r.body) === ordinaryId), 60_000).catch(
      (e: Error) => {
        throw new Error(`${e.message}\nwatch said:\n${watcher.log.join("\n")}`);
      },
    );
    arrivalMs = performance.now() - posted;
    // For the record (issue 23's target is 5 s): how long after its post the ordinary one arrived.
    console.log(`ordinary article notified ${arrivalMs.toFixed(0)} ms after its post`);
    await waitUntil(() => rx.requests.length >= hostile.length + 1, 60_000);
  }, 240_000);

  afterAll(async () => {
    await watcher?.stop();
    await rx?.close();
  });

  it("notifies the ordinary article posted after them", () => {
    expect(Number.isFinite(arrivalMs)).toBe(true);
    expect(rx.requests.filter((r) => idOf(r.body) === ordinaryId)).toHaveLength(1);
  });

  it.each(POSTED)("notifies %s too, parsed within its budget", (name) => {
    const id = `<hostile.${name}.${tag}@example.net>`;
    const got = rx.requests.filter((r) => idOf(r.body) === id);
    expect(got, watcher.log.join("\n")).toHaveLength(1);
    const body = got[0]?.body as { truncatedFields?: string[] } | undefined;
    expect(body?.truncatedFields).toEqual([]);
    expect(watcher.log.join("\n")).not.toMatch(/body not parsed/);
  });

  it("still stops cleanly on SIGTERM", async () => {
    expect(await watcher.stop(), watcher.log.join("\n")).toBe(0);
  });
});

function idOf(body: unknown): unknown {
  return (body as { messageId?: unknown } | null)?.messageId;
}

async function waitUntil(cond: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
