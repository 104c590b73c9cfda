import { afterEach, beforeEach, expect, test } from "vitest";
import { mattermostNotifier, mattermostPayload } from "../../../src/notify/mattermost.js";
import { type Receiver, startReceiver } from "../../helpers/receiver.js";
import { mattermostInjection, validateMattermost } from "../../helpers/receivers/mattermost.js";
import { makeArticle, makeLongArticle } from "./article-factory.js";

let rx: Receiver;
beforeEach(async () => {
  rx = await startReceiver();
});
afterEach(() => rx.close());

test("posts Markdown text that Mattermost accepts, with the link as the only link", async () => {
  const a = makeArticle({ subject: "Release 2.0", messageId: "<r2@example.net>" });
  await mattermostNotifier({ url: `${rx.url}/hooks/abc`, channel: "news", username: "bot" }).send(
    a,
  );
  const [req] = await rx.waitFor(1);
  if (!req) throw new Error("no request");
  expect(validateMattermost(req)).toEqual([]);
  expect(mattermostInjection(req, "news:r2%40example.net")).toEqual([]);
  const body = req.body as { text: string; channel: string; username: string };
  expect(body.text.split("\n")[0]).toBe("**Release 2\\.0**");
  expect(body.text).toContain("[Open article](news:r2%40example.net)");
  expect(body).toMatchObject({ channel: "news", username: "bot" });
});

test("a huge article fits the post limit", async () => {
  await mattermostNotifier({ url: rx.url }).send(makeLongArticle());
  const [req] = await rx.waitFor(1);
  expect(validateMattermost(req as never)).toEqual([]);
});

test("an address gets a zero-width space after @: Mattermost would ping @example", () => {
  const p = mattermostPayload(makeArticle(), { template: "{fromAddress}" });
  expect(p.text).toBe("ada@\u200bexample\\.net");
});
