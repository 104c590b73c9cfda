import { afterEach, beforeEach, expect, test } from "vitest";
import { SLACK_TEMPLATE, slackNotifier, slackPayload } from "../../../src/notify/slack.js";
import { type Receiver, startReceiver } from "../../helpers/receiver.js";
import { slackInjection, validateSlack } from "../../helpers/receivers/slack.js";
import { makeArticle, makeLongArticle } from "./article-factory.js";

let rx: Receiver;
beforeEach(async () => {
  rx = await startReceiver();
});
afterEach(() => rx.close());

const LINK = "https://archive.example/{messageIdEncoded}";

test("posts text plus header, section and context blocks that Slack accepts", async () => {
  const a = makeArticle({ subject: "Release 2.0", messageId: "<r2@example.net>" });
  await slackNotifier({ url: `${rx.url}/services/T/B/X`, link: LINK }).send(a);
  const [req] = await rx.waitFor(1);
  if (!req) throw new Error("no request");
  expect(validateSlack(req)).toEqual([]);
  expect(slackInjection(req, "https://archive.example/r2%40example.net")).toEqual([]);
  expect(req.path).toBe("/services/T/B/X");
  const body = req.body as { text: string; blocks: { type: string }[]; unfurl_links: boolean };
  expect(body.text).toBe("Release 2.0 — Ada Lovelace &lt;ada@example.net&gt; in local.test");
  expect(body.blocks.map((b) => b.type)).toEqual(["header", "section", "context"]);
  expect(body.unfurl_links).toBe(false);
  expect(JSON.stringify(body)).toContain("<https://archive.example/r2%40example.net|Open article>");
});

test("a huge article stays within every Block Kit limit, never splitting a character", async () => {
  await slackNotifier({ url: rx.url }).send(makeLongArticle());
  const [req] = await rx.waitFor(1);
  expect(validateSlack(req as never)).toEqual([]);
  const body = req?.body as { blocks: { text?: { text: string } }[] };
  expect(body.blocks[0]?.text?.text.endsWith("…")).toBe(true);
  expect(body.blocks[1]?.text?.text.length).toBeLessThanOrEqual(3000);
});

test("a custom template and username", () => {
  const p = slackPayload(makeArticle({ subject: "a<b" }), {
    template: "{subject} by {fromName}",
    username: "news",
  }) as { blocks: { text: { text: string } }[]; username: string };
  expect(p.blocks[1]?.text.text).toBe("a&lt;b by Ada Lovelace");
  expect(p.username).toBe("news");
  expect(SLACK_TEMPLATE).toContain("{snippet}");
});

test("the label hides the webhook token", () => {
  const n = slackNotifier({
    url: "https://hooks.slack.com/services/T0001/B0002/XXXXXXXXXXXXXXXXXXXXXXXX",
  });
  expect(n.label).toBe("slack https://hooks.slack.com/services/…/…/…");
});
