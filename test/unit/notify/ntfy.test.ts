import { afterEach, beforeEach, expect, test } from "vitest";
import { ntfyNotifier, ntfyTarget } from "../../../src/notify/ntfy.js";
import { type Receiver, startReceiver } from "../../helpers/receiver.js";
import { ntfyInjection, validateNtfy } from "../../helpers/receivers/ntfy.js";
import { makeArticle, makeLongArticle } from "./article-factory.js";

let rx: Receiver;
beforeEach(async () => {
  rx = await startReceiver();
});
afterEach(() => rx.close());

test("JSON-publishes to the server root with the topic in the body", async () => {
  const a = makeArticle({ subject: "Release 2.0", messageId: "<r2@example.net>" });
  await ntfyNotifier({
    url: `${rx.url}/my-news`,
    token: "tk_abc",
    priority: 4,
    tags: ["news"],
  }).send(a);
  const [req] = await rx.waitFor(1);
  if (!req) throw new Error("no request");
  expect(validateNtfy(req)).toEqual([]);
  expect(ntfyInjection(req)).toEqual([]);
  expect(req.path).toBe("/");
  expect(req.headers.authorization).toBe("Bearer tk_abc");
  expect(req.body).toEqual({
    topic: "my-news",
    title: "Release 2.0",
    message: "Ada Lovelace <ada@example.net> in local.test\n\nHello,\nthis is a test.",
    tags: ["news"],
    click: "news:r2%40example.net",
    priority: 4,
  });
});

test("Basic authentication from username and password", async () => {
  await ntfyNotifier({ url: `${rx.url}/t`, username: "ada", password: "pw" }).send(makeArticle());
  const [req] = await rx.waitFor(1);
  expect(req?.headers.authorization).toBe(`Basic ${Buffer.from("ada:pw").toString("base64")}`);
});

test("a huge article fits 4096 bytes without splitting a character", async () => {
  await ntfyNotifier({ url: `${rx.url}/t` }).send(makeLongArticle());
  const [req] = await rx.waitFor(1);
  if (!req) throw new Error("no request");
  expect(validateNtfy(req)).toEqual([]);
  expect(Buffer.byteLength((req.body as { message: string }).message)).toBeLessThanOrEqual(4096);
});

test.each([
  ["https://ntfy.sh/my-news", "https://ntfy.sh/", "my-news"],
  ["http://127.0.0.1:8080/ntfy/alerts", "http://127.0.0.1:8080/ntfy/", "alerts"],
])("ntfyTarget(%s)", (url, endpoint, topic) => {
  expect(ntfyTarget(url)).toEqual({ endpoint, topic });
});
