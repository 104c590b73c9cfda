import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { Dispatcher } from "../../../src/delivery/dispatcher.js";
import { DeliveryError } from "../../../src/notify/http.js";
import { articlePayload } from "../../../src/notify/payload.js";
import { idempotencyKey, redactUrl, WebhookNotifier } from "../../../src/notify/webhook.js";
import { type Receiver, startReceiver } from "../../helpers/receiver.js";
import { makeArticle } from "./article-factory.js";

let rx: Receiver;
beforeEach(async () => {
  rx = await startReceiver();
});
afterEach(() => rx.close());

describe("WebhookNotifier", () => {
  test("POSTs the payload as JSON with the configured headers", async () => {
    const article = makeArticle({ subject: "Grüße \u001b[31m" });
    const hook = new WebhookNotifier({
      url: `${rx.url}/hook?k=1`,
      headers: { Authorization: "Bearer s3cret", "X-Extra": "yes" },
    });
    await hook.send(article);
    const [req] = await rx.waitFor(1);
    expect(req?.method).toBe("POST");
    expect(req?.path).toBe("/hook?k=1");
    expect(req?.headers["content-type"]).toBe("application/json");
    expect(req?.headers.authorization).toBe("Bearer s3cret");
    expect(req?.headers["x-extra"]).toBe("yes");
    // Stable per article, so a receiver can drop a repeat after a crash-time resend.
    expect(req?.headers["idempotency-key"]).toMatch(/^[0-9a-f]{32}$/);
    expect(req?.body).toEqual(articlePayload(article));
    expect(Object.keys(req?.body as object)).toEqual(Object.keys(articlePayload(article)));
  });

  test("a configured Content-Type replaces ours", async () => {
    const hook = new WebhookNotifier({
      url: rx.url,
      headers: { "Content-Type": "application/x-test+json" },
    });
    await hook.send(makeArticle());
    const [req] = await rx.waitFor(1);
    expect(req?.headers["content-type"]).toBe("application/x-test+json");
  });

  test("an error status throws with status and URL, never a header", async () => {
    rx.reply({ status: 503, body: "try later\u001b[2J" });
    const hook = new WebhookNotifier({
      url: `${rx.url}/hook`,
      headers: { Authorization: "Bearer s3cret" },
    });
    const error = (await hook.send(makeArticle()).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe(
      `HTTP 503 Service Unavailable from ${rx.url}/hook: try later\\x1b[2J`,
    );
    expect(error.message).not.toContain("s3cret");
    expect(rx.requests).toHaveLength(1);
  });

  test("a slow receiver times out", async () => {
    rx.reply({ status: 200, delayMs: 3000 });
    const hook = new WebhookNotifier({ url: `${rx.url}/slow`, timeoutMs: 200 });
    await expect(hook.send(makeArticle())).rejects.toThrow(
      `no answer from ${rx.url}/… within 200 ms`,
    );
  });

  test("nobody listening", async () => {
    const url = `${rx.url}/gone`;
    await rx.close();
    await expect(new WebhookNotifier({ url }).send(makeArticle())).rejects.toThrow(
      `cannot reach ${rx.url}/…: ECONNREFUSED`,
    );
  });

  test("an abort passes the signal's reason through", async () => {
    rx.reply({ status: 200, delayMs: 3000 });
    const controller = new AbortController();
    const sending = new WebhookNotifier({ url: rx.url }).send(makeArticle(), controller.signal);
    await rx.waitFor(1);
    const reason = new Error("stop");
    controller.abort(reason);
    await expect(sending).rejects.toBe(reason);
  });

  test("label and preview", () => {
    const article = makeArticle();
    const hook = new WebhookNotifier({ url: "https://hooks.example.net/news" });
    expect(hook.label).toBe("webhook https://hooks.example.net/…");
    expect(hook.preview(article)).toEqual(articlePayload(article));
  });
});

// One URL per service in its documented form: only the fixed words of that form stay; every other
// segment (token, id, topic) is `…`, whatever it looks like.
test.each([
  ["http://127.0.0.1:8080/hook", "http://127.0.0.1:8080/hook"],
  ["https://user:pw@example.net/hook", "https://example.net/hook"],
  ["https://example.net/hook?token=abc", "https://example.net/hook?…"],
  ["https://example.net/hook#frag", "https://example.net/hook"],
  [
    "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    "https://hooks.slack.com/services/…/…/…",
  ],
  [
    "https://discord.com/api/webhooks/123456789012345678/abcdefghijklmnopqrstuvwxyz0123456789",
    "https://discord.com/api/webhooks/…/…",
  ],
  ["https://mattermost.example/hooks/xxxgeneratedkeyxxx", "https://mattermost.example/hooks/…"],
  [
    "https://chat.googleapis.com/v1/spaces/AAAAx/messages?key=k",
    "https://chat.googleapis.com/v1/spaces/…/messages?…",
  ],
  [
    "https://prod-01.westus.logic.azure.com:443/workflows/0123abcd/triggers/manual/paths/invoke?sig=s",
    "https://prod-01.westus.logic.azure.com/workflows/…/triggers/manual/paths/invoke?…",
  ],
  [
    "https://x.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/abc123/triggers/manual/paths/invoke?sig=s",
    "https://x.environment.api.powerplatform.com/powerautomate/automations/direct/workflows/…/triggers/manual/paths/invoke?…",
  ],
  [
    "https://contoso.webhook.office.com/webhookb2/1a2b@3c4d/IncomingWebhook/5e6f/7a8b",
    "https://contoso.webhook.office.com/webhookb2/…/IncomingWebhook/…/…",
  ],
  [
    "https://api.telegram.org/bot123456:ABC-DEF1234ghIkl/sendMessage",
    "https://api.telegram.org/…/sendMessage",
  ],
  [
    "https://matrix.example/_matrix/client/v3/rooms/!abc:matrix.example/send/m.room.message/t1",
    "https://matrix.example/_matrix/client/v3/rooms/…/send/m.room.message/…",
  ],
  // An ntfy topic is the secret: lowercase words included (the old rule kept these).
  ["https://ntfy.sh/mytopic", "https://ntfy.sh/…"],
  ["https://ntfy.sh/alerts-news.team", "https://ntfy.sh/…"],
  ["https://ntfy.example/mytopic42", "https://ntfy.example/…"],
  ["https://example.net/a/s3cr3t", "https://example.net/…/…"],
  ["https://hooks.example/T0123/Bx9/abcdEFGH1234", "https://hooks.example/…/…/…"],
  // Case counts: a word is kept only as the service spells it.
  ["https://example.net/API/Hooks", "https://example.net/…/…"],
])("redactUrl(%s)", (url, expected) => {
  expect(redactUrl(url)).toBe(expected);
});

test("503, 503, then 200 through the Dispatcher: one success, two retries logged", async () => {
  rx.reply(503, 503);
  const log: string[] = [];
  const url = `${rx.url}/hook`;
  const dispatcher = new Dispatcher([new WebhookNotifier({ url })], {
    log: (line) => log.push(line),
    retry: { initialMs: 20, maxMs: 100 },
  });
  const article = makeArticle();
  dispatcher.dispatch(article);
  expect(await dispatcher.drain(5000)).toBe(0);
  expect(rx.requests.map((r) => r.status)).toEqual([503, 503, 200]);
  expect(
    rx.requests.every((r) => (r.body as { messageId: string }).messageId === article.messageId),
  ).toBe(true);
  expect(log).toHaveLength(3);
  expect(log[0]).toMatch(
    new RegExp(
      `^webhook ${url}: attempt 1 failed: HTTP 503 Service Unavailable from ${url}; retrying in \\d+ms$`,
    ),
  );
  expect(log[1]).toMatch(/^webhook .*: attempt 2 failed: HTTP 503 .*; retrying in \d+ms$/);
  expect(log[2]).toBe(`webhook ${url}: delivered ${article.messageId} on attempt 3`);
  await dispatcher.close();
});

describe("WebhookNotifier with batch", () => {
  test("several waiting articles go in one request as {articles: [...]}, in order", async () => {
    const hook = new WebhookNotifier({ url: `${rx.url}/hook`, batch: 50 });
    const articles = Array.from({ length: 30 }, () => makeArticle());
    const dispatcher = new Dispatcher([hook], { log: () => {} });
    for (const article of articles) dispatcher.dispatch(article);
    expect(await dispatcher.drain(5000)).toBe(0);
    const bodies = rx.requests.map((r) => r.body as { articles: unknown[] });
    // Eight requests in flight at once: the first few take one article each, the rest batch up.
    expect(bodies.length).toBeLessThan(30);
    expect(bodies.flatMap((b) => b.articles)).toEqual(articles.map(articlePayload));
    for (const r of rx.requests) expect(r.headers["idempotency-key"]).toMatch(/^[0-9a-f]{32}$/);
  });

  test("one article still gets the batch shape (send, preview)", async () => {
    const hook = new WebhookNotifier({ url: rx.url, batch: 10 });
    const article = makeArticle();
    expect(hook.preview(article)).toEqual({ articles: [articlePayload(article)] });
    await hook.send(article);
    const [req] = await rx.waitFor(1);
    expect(req?.body).toEqual({ articles: [articlePayload(article)] });
  });

  test("the key of a batch depends on its Message-IDs and their order", async () => {
    const hook = new WebhookNotifier({ url: rx.url, batch: 10 });
    const [a, b] = [makeArticle(), makeArticle()];
    await hook.sendBatch([a, b]);
    await hook.sendBatch([a, b]);
    await hook.sendBatch([b, a]);
    const keys = (await rx.waitFor(3)).map((r) => r.headers["idempotency-key"]);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[2]).not.toBe(keys[0]);
  });
});

describe("the webhook's own HTTP client (node:http)", () => {
  test("a redirect is retried, not followed and not dropped, and the log says where to", async () => {
    rx.reply({ status: 301, headers: { location: "/moved?token=x" } });
    const error = (await new WebhookNotifier({ url: `${rx.url}/old` })
      .send(makeArticle())
      .catch((e: unknown) => e)) as DeliveryError;
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error.permanent).toBe(false);
    expect(error.message).toBe(
      `HTTP 301 Moved Permanently from ${rx.url}/… (redirects to ${rx.url}/…?…; set the notifier's url to that)`,
    );
  });

  test("429 with Retry-After: the wait asked for; a long error body is cut", async () => {
    rx.reply({ status: 429, headers: { "retry-after": "7" }, body: "x".repeat(100_000) });
    const error = (await new WebhookNotifier({ url: rx.url })
      .send(makeArticle())
      .catch((e: unknown) => e)) as DeliveryError;
    expect(error.retryAfterMs).toBe(7000);
    expect(error.status).toBe(429);
    expect(error.message.length).toBeLessThan(300);
  });

  test("keeps the connection: many requests, few sockets", async () => {
    const hook = new WebhookNotifier({ url: rx.url });
    for (let i = 0; i < 20; i++) await hook.send(makeArticle());
    expect(rx.requests).toHaveLength(20);
    expect(new Set(rx.requests.map((r) => r.remotePort)).size).toBe(1);
  });

  test("a kept-alive connection the server closed is replaced at once, not retried later", async () => {
    // The server drops every connection at its second request, without an answer: what a reused
    // connection looks like when the server's idle timeout closed it just as we sent.
    const seen: number[] = [];
    const perSocket = new WeakMap<object, number>();
    const server = createHttpServer((req, res) => {
      const n = (perSocket.get(req.socket) ?? 0) + 1;
      perSocket.set(req.socket, n);
      seen.push(n);
      if (n === 2) req.socket.destroy();
      else res.end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    try {
      const hook = new WebhookNotifier({ url: `http://127.0.0.1:${port}/hook` });
      await hook.send(makeArticle());
      await hook.send(makeArticle()); // reuses the connection, which the server drops: resent fresh
      expect(seen).toEqual([1, 2, 1]);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  test("https: certificates are verified (a self-signed receiver is refused)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "newsnotify-tls-"));
    execFileSync(
      "openssl",
      [
        ...[
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-days",
          "1",
          "-subj",
          "/CN=127.0.0.1",
        ],
        ...["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
      ],
      { stdio: "ignore" },
    );
    const server = createServer(
      { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) },
      (_req, res) => res.end(),
    );
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    try {
      await expect(
        new WebhookNotifier({ url: `https://127.0.0.1:${port}/hook` }).send(makeArticle()),
      ).rejects.toThrow(`cannot reach https://127.0.0.1:${port}/hook: DEPTH_ZERO_SELF_SIGNED_CERT`);
    } finally {
      server.close();
    }
  });
});

test("Idempotency-Key: the first 32 hex digits of the SHA-256 of the Message-IDs joined by newlines", () => {
  for (const ids of ["<a@b>", "<a@b>\n<c@d>", "<\u00e9@b>"]) {
    expect(idempotencyKey(ids)).toBe(createHash("sha256").update(ids).digest("hex").slice(0, 32));
  }
});
