import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import { parseArticle } from "../../../src/article/parse.js";
import { Dispatcher } from "../../../src/delivery/dispatcher.js";
import { DeliveryError } from "../../../src/notify/http.js";
import { telegramNotifier, telegramPayload } from "../../../src/notify/telegram.js";
import { parseServiceUrl } from "../../../src/notify/url.js";
import { type Receiver, startReceiver } from "../../helpers/receiver.js";
import { telegramInjection, validateTelegram } from "../../helpers/receivers/telegram.js";
import { makeArticle, makeLongArticle } from "./article-factory.js";

const TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
const root = join(import.meta.dirname, "../../..");
const hostile = parseArticle(readFileSync(join(root, "fixtures/articles/hostile.wire")), {
  path: "/var/spool/news/articles/fixture/test/5",
  group: "fixture.test",
  number: 5,
});

let rx: Receiver;
beforeEach(async () => {
  rx = await startReceiver();
});
afterEach(() => rx.close());

const options = () => ({ token: TOKEN, chatId: "-1001234567890", apiUrl: rx.url, timeoutMs: 2000 });

test("sendMessage in HTML with previews off, in the shape the Bot API accepts", async () => {
  const a = makeArticle({ subject: "Release <2.0> & more" });
  await telegramNotifier({ ...options(), link: "https://archive.example/{messageIdEncoded}" }).send(
    a,
  );
  const [req] = await rx.waitFor(1);
  if (!req) throw new Error("no request");
  expect(validateTelegram(req, TOKEN)).toEqual([]);
  const link = `https://archive.example/${a.messageId.slice(1, -1).replace("@", "%40")}`;
  expect(telegramInjection(req, ["b", "a"], link)).toEqual([]);
  expect(req.body).toMatchObject({
    chat_id: "-1001234567890",
    parse_mode: "HTML",
    link_preview_options: { is_disabled: true },
  });
  expect((req.body as { text: string }).text).toBe(
    `<b>Release &lt;2.0&gt; &amp; more</b>\nAda Lovelace &lt;ada@\u200bexample.net&gt; in local.test\n\nHello,\nthis is a test.\n\n<a href="${link}">Open article</a>`,
  );
});

test("a news: link is text, not an <a> Telegram would refuse", () => {
  const p = telegramPayload(makeArticle(), { chatId: "@news_feed" }) as { text: string };
  expect(p.text).toMatch(/<code>news:test-\d+%40example\.net<\/code>$/);
  expect(p.text).not.toContain("<a ");
});

test("a huge article fits 4096 characters", async () => {
  await telegramNotifier(options()).send(makeLongArticle());
  const [req] = await rx.waitFor(1);
  if (!req) throw new Error("no request");
  expect(validateTelegram(req, TOKEN)).toEqual([]);
  expect((req.body as { text: string }).text).toMatch(/…/);
});

test("the hostile article: no markup, link or mention from it", async () => {
  await telegramNotifier(options()).send(hostile);
  const [req] = await rx.waitFor(1);
  if (!req) throw new Error("no request");
  expect(validateTelegram(req, TOKEN)).toEqual([]);
  expect(telegramInjection(req, ["b", "code"])).toEqual([]);
  const t = (req.body as { text: string }).text;
  expect(t).toContain("&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;");
  expect(t).toContain("&amp;amp; &amp;lt;not-decoded&amp;gt;");
  expect(t).toContain("@\u200beveryone");
});

test("429: the wait Telegram asks for in parameters.retry_after, then delivered", async () => {
  rx.reply({
    status: 429,
    body: '{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}',
  });
  const n = telegramNotifier(options());
  const e = await n.send(makeArticle()).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(DeliveryError);
  expect((e as DeliveryError).retryAfterMs).toBe(1000);
  rx.reply({
    status: 429,
    body: '{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}',
  });
  const log: string[] = [];
  const d = new Dispatcher([n], { log: (l) => log.push(l) });
  d.dispatch(makeArticle());
  expect(await d.drain(5000)).toBe(0);
  await d.close();
  expect(log.join("\n")).toMatch(/HTTP 429 .*retrying in 1s \(as the service asked\)/);
  const [first, second] = rx.requests.slice(-2).map((r) => r.at);
  expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(950);
});

test("400 (a chat the bot is not in) is permanent", async () => {
  rx.reply({
    status: 400,
    body: '{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}',
  });
  const e = await telegramNotifier(options())
    .send(makeArticle())
    .catch((x: unknown) => x);
  expect((e as DeliveryError).permanent).toBe(true);
  expect((e as Error).message).toMatch(/chat not found/);
  expect((e as Error).message).not.toContain(TOKEN.split(":")[1]);
});

test.each([
  [`tgram://${TOKEN}/-1001234567890`, { token: TOKEN, chatId: "-1001234567890" }],
  [`tgram://${TOKEN}/@news_feed/`, { chatId: "@news_feed" }],
])("%s", (url, expected) => {
  const r = parseServiceUrl(url);
  expect(r.ok && r.entry).toMatchObject({ type: "telegram", ...expected });
});

test("several chats in one URL are refused", () => {
  expect(parseServiceUrl(`tgram://${TOKEN}/1/2`).ok).toBe(false);
});
