/**
 * The hostile fixture article (the pipeline's e2e one: `<!channel>`, `@everyone`, `<http://evil|click>`,
 * `<@U…>`, `[click](http://evil)`, `<script>`, terminal escapes) through EVERY notifier, against
 * receivers that check the service's shape and that nothing became a mention, a link or markup.
 * Email, IRC and MQTT take it through real servers: test/unit/notify/{email,irc,mqtt}.test.ts.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, expect, test } from "vitest";
import { parseArticle } from "../../../src/article/parse.js";
import { buildNotifiers } from "../../../src/notify/build.js";
import { articlePayload } from "../../../src/notify/payload.js";
import type { NotifierConfig } from "../../../src/notify/registry.js";
import type { ReceivedRequest } from "../../helpers/receiver.js";
import { type Receiver, startReceiver } from "../../helpers/receiver.js";
import { discordInjection, validateDiscord } from "../../helpers/receivers/discord.js";
import { gchatInjection, validateGchat } from "../../helpers/receivers/gchat.js";
import { matrixInjection, validateMatrix } from "../../helpers/receivers/matrix.js";
import { mattermostInjection, validateMattermost } from "../../helpers/receivers/mattermost.js";
import { ntfyInjection, validateNtfy } from "../../helpers/receivers/ntfy.js";
import { slackInjection, validateSlack } from "../../helpers/receivers/slack.js";
import { teamsInjection, validateTeams } from "../../helpers/receivers/teams.js";
import { telegramInjection, validateTelegram } from "../../helpers/receivers/telegram.js";
import { hasControl } from "./article-factory.js";

const root = join(import.meta.dirname, "../../..");
const hostile = parseArticle(readFileSync(join(root, "fixtures/articles/hostile.wire")), {
  path: "/var/spool/news/articles/fixture/test/5",
  group: "fixture.test",
  number: 5,
});
const WEB = "https://archive.example/{messageIdEncoded}";
const LINK = "https://archive.example/hostile.20261124212441.10222%40fixtures.newsnotify.invalid";
const NEWS = "news:hostile.20261124212441.10222%40fixtures.newsnotify.invalid";
const ROOM = "!room:example.org";

let rx: Receiver;
let dir: string;
beforeAll(async () => {
  rx = await startReceiver();
  dir = await mkdtemp(join(tmpdir(), "newsnotify-hostile-"));
});
afterAll(async () => {
  await rx.close();
  await rm(dir, { recursive: true, force: true });
});

test("the fixture is as hostile as it claims", () => {
  expect(hostile.subject).toBe("<!channel> @everyone <http://evil|click>");
  expect(hostile.from.name).toBe("@here *bold* <script>");
  expect(hostile.snippet).toContain("<!channel> <@U024BE7LH> [click](http://evil)");
});

type Check = (req: ReceivedRequest) => string[];
const MARKUP = ["<!channel>", "<@U024BE7LH>", "<http://evil|click>", "<script>"];
const MARKDOWN = [...MARKUP, "[click](http://evil)", "**bold**", "`code`"];
// Per service: its config, its checks, and the raw constructs it would parse (found anywhere in the body).
const services: [string, (url: string) => NotifierConfig, Check, string[]][] = [
  [
    "slack",
    (url) => ({ type: "slack", url, link: WEB }) as NotifierConfig,
    (r) => [...validateSlack(r), ...slackInjection(r, LINK)],
    MARKUP,
  ],
  [
    "mattermost",
    (url) => ({ type: "mattermost", url }) as NotifierConfig,
    (r) => [...validateMattermost(r), ...mattermostInjection(r, NEWS)],
    [...MARKDOWN, "@everyone", "@here"],
  ],
  [
    "discord",
    (url) => ({ type: "discord", url, link: WEB }) as NotifierConfig,
    (r) => [...validateDiscord(r), ...discordInjection(r)],
    [...MARKDOWN, "@everyone", "@here"],
  ],
  [
    "ntfy",
    (url) => ({ type: "ntfy", url: `${url}/alerts`, token: "tk_x" }) as NotifierConfig,
    (r) => [...validateNtfy(r), ...ntfyInjection(r)],
    [],
  ],
  [
    "matrix",
    (url) => ({ type: "matrix", url, room: ROOM, accessToken: "syt_x" }) as NotifierConfig,
    (r) => [...validateMatrix(r, ROOM, "syt_x"), ...matrixInjection(r, NEWS, ["b", "br", "a"])],
    [],
  ],
  [
    "gchat",
    (url) => ({ type: "gchat", url, link: WEB }) as NotifierConfig,
    (r) => [...validateGchat(r), ...gchatInjection(r, ["b", "br"])],
    // The card header is plain text; the HTML text is checked tag by tag.
    [],
  ],
  [
    "telegram",
    (url) =>
      ({
        type: "telegram",
        token: "1:tok",
        chatId: "-100",
        apiUrl: `${url}`,
        link: WEB,
      }) as NotifierConfig,
    (r) => [...validateTelegram(r, "1:tok"), ...telegramInjection(r, ["b", "a"], LINK)],
    // HTML: checked tag by tag; the raw text of the article is there, escaped.
    [],
  ],
  [
    "teams",
    (url) => ({ type: "teams", url, link: WEB }) as NotifierConfig,
    (r) => [...validateTeams(r), ...teamsInjection(r)],
    ["[click](http://evil)", "**bold**", "<script>", "<!channel>", "<@U024BE7LH>"],
  ],
];

/** Every string in a JSON value. */
function strings(v: unknown): string[] {
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (typeof v === "object" && v !== null) return Object.values(v).flatMap(strings);
  return [];
}

test.each(services)(
  "%s: valid shape, no mention, link or markup from the article",
  async (type, entry, check, raws) => {
    const path = `/${type}`;
    const [n] = buildNotifiers([
      { ...entry(`${rx.url}${path}`), rateLimitPerSecond: 0, timeoutMs: 2000 } as NotifierConfig,
    ]);
    await n?.send(hostile);
    const req = rx.requests.find((r) => r.path.startsWith(path));
    if (!req) throw new Error(`no request for ${type}`);
    expect(check(req)).toEqual([]);
    for (const raw of raws) expect(req.text, `${type}: ${raw}`).not.toContain(raw);
    for (const s of strings(req.body)) expect(hasControl(s.replace(/\n/g, "")), s).toBe(false);
  },
);

test("webhook: the JSON contract, the article's text as data (the receiver's to escape)", async () => {
  const [n] = buildNotifiers([{ type: "webhook", url: `${rx.url}/webhook`, timeoutMs: 2000 }]);
  await n?.send(hostile);
  const req = rx.requests.find((r) => r.path === "/webhook");
  expect(req?.body).toEqual(articlePayload(hostile));
  expect(req?.headers["content-type"]).toBe("application/json");
});

test("exec: the same JSON contract on stdin, never a shell", async () => {
  const out = join(dir, "exec.jsonl");
  const [n] = buildNotifiers([
    {
      type: "exec",
      command: [process.execPath, join(root, "fixtures/bin/notify-capture.mjs"), out],
      timeoutMs: 10_000,
    },
  ]);
  await n?.send(hostile);
  const run = JSON.parse((await readFile(out, "utf8")).trim()) as { argv: string[]; stdin: string };
  expect(run.argv).toEqual([out]);
  expect(JSON.parse(run.stdin)).toEqual(articlePayload(hostile));
});

test.each([false, true])("stdout (json %s): one line, no control character", async (json) => {
  const stream = new PassThrough();
  const [n] = buildNotifiers([{ type: "stdout", json }], { stdout: stream });
  await n?.send(hostile);
  const line = String(stream.read());
  expect(line.endsWith("\n")).toBe(true);
  expect(line.slice(0, -1)).not.toContain("\n");
  expect(hasControl(line.slice(0, -1))).toBe(false);
});
