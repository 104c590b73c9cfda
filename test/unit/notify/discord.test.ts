import { afterEach, beforeEach, expect, test } from "vitest";
import { discordNotifier, discordPayload } from "../../../src/notify/discord.js";
import { type Receiver, startReceiver } from "../../helpers/receiver.js";
import { discordInjection, validateDiscord } from "../../helpers/receivers/discord.js";
import { makeArticle, makeLongArticle } from "./article-factory.js";

let rx: Receiver;
beforeEach(async () => {
  rx = await startReceiver();
});
afterEach(() => rx.close());

type Embed = {
  title: string;
  description: string;
  url?: string;
  footer: { text: string };
  timestamp?: string;
};

test("posts one embed with no mentions allowed, in the shape Discord accepts", async () => {
  const a = makeArticle({ subject: "Release 2.0", messageId: "<r2@example.net>" });
  await discordNotifier({
    url: `${rx.url}/api/webhooks/1/tok`,
    link: "https://archive.example/{messageIdEncoded}",
  }).send(a);
  const [req] = await rx.waitFor(1);
  if (!req) throw new Error("no request");
  expect(validateDiscord(req)).toEqual([]);
  expect(discordInjection(req)).toEqual([]);
  const embed = (req.body as { embeds: Embed[] }).embeds[0];
  expect(embed).toMatchObject({
    title: "Release 2\\.0",
    url: "https://archive.example/r2%40example.net",
    footer: { text: "<r2@example.net>" },
    timestamp: a.date,
  });
  expect(embed?.description).toContain("**From:** Ada Lovelace \\<ada@example\\.net\\>");
});

test("no embed url for a link Discord would refuse (news:)", () => {
  const p = discordPayload(makeArticle(), {}) as { embeds: Embed[] };
  expect(p.embeds[0]?.url).toBeUndefined();
});

test("a huge article fits title 256, description 4096 and 6000 in all", async () => {
  await discordNotifier({ url: rx.url }).send(makeLongArticle());
  const [req] = await rx.waitFor(1);
  if (!req) throw new Error("no request");
  expect(validateDiscord(req)).toEqual([]);
  const e = (req.body as { embeds: Embed[] }).embeds[0] as Embed;
  expect(e.title.length).toBeLessThanOrEqual(256);
  expect(e.title.length + e.description.length + e.footer.text.length).toBeLessThanOrEqual(6000);
});

test("username and avatar", () => {
  const p = discordPayload(makeArticle(), {
    username: "news",
    avatarUrl: "https://x.example/a.png",
  });
  expect(p).toMatchObject({ username: "news", avatar_url: "https://x.example/a.png" });
});
