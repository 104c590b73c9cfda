import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import { parseArticle } from "../../../src/article/parse.js";
import {
  isTeamsWorkflowUrl,
  teamsEscape,
  teamsNotifier,
  teamsPayload,
} from "../../../src/notify/teams.js";
import { parseServiceUrl } from "../../../src/notify/url.js";
import { type Receiver, startReceiver } from "../../helpers/receiver.js";
import { teamsInjection, validateTeams } from "../../helpers/receivers/teams.js";
import { makeArticle, makeLongArticle } from "./article-factory.js";

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

type Card = { body: { text: string }[]; actions?: { url: string }[] };
const card = (body: unknown) =>
  (body as { attachments: { content: Card }[] }).attachments[0]?.content as Card;

test("an Adaptive Card in the attachments envelope, in the shape Workflows accepts", async () => {
  const a = makeArticle({ subject: "Release 2.0" });
  await teamsNotifier({
    url: `${rx.url}/workflows/x`,
    link: "https://archive.example/{messageIdEncoded}",
  }).send(a);
  const [req] = await rx.waitFor(1);
  if (!req) throw new Error("no request");
  expect(validateTeams(req)).toEqual([]);
  expect(teamsInjection(req)).toEqual([]);
  const c = card(req.body);
  expect(c.body[0]?.text).toBe("Release 2\\.0");
  expect(c.body[2]?.text).toBe(
    "**From:** Ada Lovelace \\<ada@example\\.net\\>\n\n**Newsgroups:** local\\.test\n\nHello,\nthis is a test\\.",
  );
  expect(c.actions?.[0]?.url).toBe(
    `https://archive.example/${a.messageId.slice(1, -1).replace("@", "%40")}`,
  );
});

test("a news: link: no OpenUrl action (http(s) only), the Message-ID as text", () => {
  const c = card(teamsPayload(makeArticle({ messageId: "<x@y>" }), {}));
  expect(c.actions).toBeUndefined();
  expect(c.body.at(-1)?.text).toBe("\\<x@y\\>");
});

test("a huge article stays under 28 KB", async () => {
  await teamsNotifier({ url: rx.url }).send(makeLongArticle());
  const [req] = await rx.waitFor(1);
  if (!req) throw new Error("no request");
  expect(validateTeams(req)).toEqual([]);
});

test.each([
  ["[click](http://evil)", "\\[click\\]\\(http\\://evil\\)"],
  ["**bold** _it_", "\\*\\*bold\\*\\* \\_it\\_"],
  ["- item\n1. item", "\\- item\n1\\. item"],
  ["<http://evil> <at>Boss</at>", "\\<http\\://evil\\> \\<at\\>Boss\\</at\\>"],
  [
    "{{DATE(2017-02-14T06:00:00Z, SHORT)}}",
    "\\{\\{DATE\\(2017\\-02\\-14T06\\:00\\:00Z, SHORT\\)\\}\\}",
  ],
  ["&lt; # x", "\\&lt; \\# x"],
])("escape %j", (raw, escaped) => {
  expect(teamsEscape(raw)).toBe(escaped);
});

test("the hostile article: no link, emphasis, list, mention or function from it", async () => {
  await teamsNotifier({ url: rx.url }).send(hostile);
  const [req] = await rx.waitFor(1);
  if (!req) throw new Error("no request");
  expect(validateTeams(req)).toEqual([]);
  expect(teamsInjection(req)).toEqual([]);
});

test.each([
  [
    "https://prod-12.westus.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=x",
    true,
  ],
  [
    "https://default1234.56.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/abc/triggers/manual/paths/invoke?sig=x",
    true,
  ],
  ["https://hooks.example.net/workflows/abc", false],
  ["http://prod-12.westus.logic.azure.com/workflows/abc", false],
])("%s is a Teams workflow: %s", (url, yes) => {
  expect(isTeamsWorkflowUrl(url)).toBe(yes);
});

test("a workflow URL on its own becomes a teams entry; another https URL stays a webhook", () => {
  const wf =
    "https://prod-12.westus.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=x";
  expect(parseServiceUrl(wf)).toEqual({
    ok: true,
    entry: { type: "teams", url: new URL(wf).href },
  });
  expect(parseServiceUrl("https://hooks.example.net/x")).toMatchObject({
    entry: { type: "webhook" },
  });
});
