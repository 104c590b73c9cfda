import { PassThrough } from "node:stream";
import { expect, test } from "vitest";
import { buildNotifiers, type Routed } from "../../../src/notify/build.js";
import { ExecNotifier } from "../../../src/notify/exec.js";
import { StdoutNotifier } from "../../../src/notify/stdout.js";
import { WebhookNotifier } from "../../../src/notify/webhook.js";
import { makeArticle } from "./article-factory.js";

test("one notifier per config entry, in order", () => {
  const notifiers = buildNotifiers([
    { type: "stdout", json: false },
    {
      type: "webhook",
      url: "https://hooks.example.net/news",
      headers: { Authorization: "x" },
      timeoutMs: 5,
    },
    { type: "exec", command: ["/usr/local/bin/on-article"], timeoutMs: 5 },
  ]);
  expect(notifiers.map((n) => (n as Routed).inner.constructor)).toEqual([
    StdoutNotifier,
    WebhookNotifier,
    ExecNotifier,
  ]);
  expect(notifiers.map((n) => n.label)).toEqual([
    "stdout",
    "webhook https://hooks.example.net/…",
    "exec /usr/local/bin/on-article",
  ]);
});

test("stdout notifiers write to the given stream", async () => {
  const stream = new PassThrough();
  const [notifier] = buildNotifiers([{ type: "stdout", json: true }], { stdout: stream });
  const article = makeArticle();
  await notifier?.send(article);
  expect(JSON.parse(String(stream.read())).messageId).toBe(article.messageId);
});

test("a batching webhook keeps its batch through the route: unwanted articles leave the batch", async () => {
  const { startReceiver } = await import("../../helpers/receiver.js");
  const { makeArticle } = await import("./article-factory.js");
  const rx = await startReceiver();
  try {
    const [n] = buildNotifiers([
      { type: "webhook", url: rx.url, batch: 5, groups: "local.*" } as never,
    ]) as Routed[];
    expect(n?.maxBatch).toBe(5);
    const keep = makeArticle({ newsgroups: ["local.test"], group: "local.test" });
    const skip = makeArticle({ newsgroups: ["alt.test"], group: "alt.test" });
    await n?.sendBatch([skip]); // nothing wanted: no request
    await n?.sendBatch([keep, skip]);
    const [req] = await rx.waitFor(1);
    expect(
      (req as { body: { articles: { messageId: string }[] } }).body.articles.map(
        (a) => a.messageId,
      ),
    ).toEqual([keep.messageId]);
    expect(rx.requests).toHaveLength(1);
  } finally {
    await rx.close();
  }
});
