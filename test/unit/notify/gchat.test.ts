import { afterEach, beforeEach, expect, test } from "vitest";
import { gchatNotifier, gchatPayload } from "../../../src/notify/gchat.js";
import { type Receiver, startReceiver } from "../../helpers/receiver.js";
import { gchatInjection, validateGchat } from "../../helpers/receivers/gchat.js";
import { makeArticle, makeLongArticle } from "./article-factory.js";

let rx: Receiver;
beforeEach(async () => {
  rx = await startReceiver();
});
afterEach(() => rx.close());

test("posts a card (cardsV2) that Google Chat accepts", async () => {
  const a = makeArticle({ subject: "Release 2.0" });
  await gchatNotifier({ url: `${rx.url}/v1/spaces/S/messages?key=k&token=t` }).send(a);
  const [req] = await rx.waitFor(1);
  if (!req) throw new Error("no request");
  expect(validateGchat(req)).toEqual([]);
  expect(gchatInjection(req, ["b", "br"])).toEqual([]);
  expect(req.path).toBe("/v1/spaces/S/messages?key=k&token=t");
});

test("an http(s) link becomes a button", () => {
  const p = gchatPayload(makeArticle({ messageId: "<x@y>" }), {
    link: "https://a.example/{messageIdEncoded}",
  });
  expect(JSON.stringify(p)).toContain('"openLink":{"url":"https://a.example/x%40y"}');
});

test("a huge article stays within the card limits", async () => {
  await gchatNotifier({ url: rx.url }).send(makeLongArticle());
  const [req] = await rx.waitFor(1);
  expect(validateGchat(req as never)).toEqual([]);
});

test("the label hides key and token", () => {
  expect(
    gchatNotifier({ url: "https://chat.googleapis.com/v1/spaces/S/messages?key=k&token=t" }).label,
  ).toBe("gchat https://chat.googleapis.com/v1/spaces/…/messages?…");
});
