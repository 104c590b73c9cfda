/**
 * End to end for the notifiers that talk to real servers: innd files articles posted with inews,
 * `bin/newsnotify watch` sees them, and each arrives through a real Exim (read from its maildir), a
 * real ngIRCd (read by a client in the channel), a real Mosquitto (read by a subscriber), and at the
 * Telegram and Teams receivers that check the services' documented shapes. The hostile article goes
 * through all five: no header, IRC command, markup, mention or link from it.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseArticle } from "../../src/article/parse.js";
import {
  ensureGroup,
  ensureInnd,
  newMessageId,
  post,
  requirePrerequisites,
} from "../helpers/inn.js";
import { type Receiver, startReceiver } from "../helpers/receiver.js";
import { teamsInjection, validateTeams } from "../helpers/receivers/teams.js";
import { telegramInjection, validateTelegram } from "../helpers/receivers/telegram.js";
import { type Exim, startExim } from "../helpers/servers/exim.js";
import {
  type Mosquitto,
  type Subscriber,
  startMosquitto,
  subscribe,
} from "../helpers/servers/mosquitto.js";
import { type Listener, listen, type Ngircd, startNgircd } from "../helpers/servers/ngircd.js";
import { startWatch, type Watcher } from "../helpers/watch.js";
import { hasControl } from "../unit/notify/article-factory.js";

const TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
const plainId = newMessageId("notifiers-plain");
const hostileId = newMessageId("notifiers-hostile");
const articles = [
  `Message-ID: ${plainId}\nFrom: =?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <jm@example.net>\nNewsgroups: local.test\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=\n\nFirst line.\nSecond line.\n`,
  `Message-ID: ${hostileId}\nFrom: "@here *bold* <script>" <mallory@example.net>\nNewsgroups: local.test\nSubject: <!channel> @everyone <http://evil|click> =?UTF-8?Q?=02=0304red_a=0D=0ABcc:_victim@example.org?=\n\n<script>alert('xss')</script>\n<!channel> <@U024BE7LH> [click](http://evil) \`code\` **bold** @everyone {{DATE(2017-02-14T06:00:00Z)}}\nPRIVMSG #news :forged\n- item\n`,
];
const bare = (id: string) => id.slice(1, -1).replace("@", "%40");

describe("watch → email, IRC, MQTT, Telegram, Teams", () => {
  let mta: Exim;
  let ircd: Ngircd;
  let listener: Listener;
  let broker: Mosquitto;
  let sub: Subscriber;
  let rx: Receiver;
  let watcher: Watcher;

  beforeAll(async () => {
    requirePrerequisites();
    ensureInnd();
    ensureGroup("local.test");
    [mta, ircd, broker, rx] = await Promise.all([
      startExim(),
      startNgircd(),
      startMosquitto(),
      startReceiver(),
    ]);
    listener = await listen(ircd.port, "#news");
    sub = await subscribe(broker, "news/#");
    const dir = mkdtempSync(join(tmpdir(), "newsnotify-e2e-notifiers-"));
    const config = join(dir, "config.yaml");
    writeFileSync(
      config,
      `mode: auto
stateDir: ${join(dir, "state")}
notifiers:
  - type: email
    host: 127.0.0.1
    port: ${mta.port}
    security: starttls
    ca: ${mta.ca}
    username: ${mta.user}
    password: ${mta.password}
    sender: news@example.net
    to: [reader@example.org]
  - type: email
    host: 127.0.0.1
    port: ${mta.tlsPort}
    security: tls
    ca: ${mta.ca}
    sender: news@example.net
    to: [digest@example.org]
    digest: {every: 3s, max: 50}
  - type: irc
    host: 127.0.0.1
    port: ${ircd.tlsPort}
    tls: true
    ca: ${ircd.ca}
    nick: newsbot
    channel: "#news"
    rateLimitPerSecond: 2
  - url: mqtt://${broker.user}:${broker.password}@127.0.0.1:${broker.port}
  - type: telegram
    token: "${TOKEN}"
    chatId: "-1001234567890"
    apiUrl: ${rx.url}/telegram
    rateLimitPerSecond: 0
  - type: teams
    url: ${rx.url}/teams
    rateLimitPerSecond: 0
`,
    );
    watcher = startWatch(config);
    await watcher.waitForLine(/ready: /);
    for (const a of articles) post(a);
    const all = Promise.all([
      mta.waitForMessages(3, 30_000),
      listener.waitForMessages(2, 30_000),
      sub.waitFor(2, 30_000),
      rx.waitFor(4, 30_000),
    ]);
    await all.catch((e: Error) => {
      throw new Error(`${e.message}\nwatch said:\n${watcher.log.join("\n")}`);
    });
    // Time for a duplicate to show up.
    await new Promise((r) => setTimeout(r, 1500));
  }, 180_000);

  afterAll(async () => {
    await watcher?.stop();
    listener?.close();
    await sub?.close();
    await Promise.all([mta?.close(), ircd?.close(), broker?.close(), rx?.close()]);
  });

  const mail = (id: string) => {
    const raw = mta
      .messages()
      .find((m) => m.includes(`news:${bare(id)}`) && !m.includes("digest@example.org"));
    if (!raw) throw new Error(`no mail for ${id}:\n${mta.log()}`);
    const head = raw.slice(0, raw.indexOf("\n\n")).replace(/\n[ \t]+/g, " ");
    return {
      raw,
      head,
      parsed: parseArticle(Buffer.from(raw), { path: "/m", group: "m", number: 1 }),
    };
  };

  it("email: one message each, through STARTTLS + AUTH, headers encoded, body with the link", () => {
    expect(mta.messages().filter((m) => !m.includes("digest@example.org"))).toHaveLength(2);
    const m = mail(plainId);
    expect(m.parsed.subject).toBe("[local.test] Grüße aus Köln");
    expect(m.parsed.from).toEqual({ name: "Jürgen Müller (news)", address: "news@example.net" });
    expect(m.head).toMatch(/^Subject: =\?UTF-8\?/m);
    expect(m.parsed.snippet).toContain("First line.\nSecond line.");
    expect(mta.log()).toMatch(/P=esmtpsa X=TLS/);
  });

  it("email digest: both articles in one message, over implicit TLS", () => {
    const digests = mta.messages().filter((m) => /^Envelope-to: digest@example\.org$/m.test(m));
    expect(digests).toHaveLength(1);
    const parsed = parseArticle(Buffer.from(digests[0] ?? ""), {
      path: "/m",
      group: "m",
      number: 1,
      snippetChars: 4000,
    });
    expect(parsed.subject).toBe("[local.test] 2 new articles in local.test");
    expect(parsed.snippet).toContain(
      `Grüße aus Köln — Jürgen Müller (local.test) news:${bare(plainId)}`,
    );
    expect(parsed.snippet).toContain(`news:${bare(hostileId)}`);
  });

  it("email, hostile: one Subject, no Bcc, one recipient", () => {
    const m = mail(hostileId);
    const names = m.head.split("\n").map((l) => l.slice(0, l.indexOf(":")).toLowerCase());
    expect(names.filter((n) => n === "subject")).toHaveLength(1);
    expect(names).not.toContain("bcc");
    expect(m.head).toMatch(/^Envelope-to: reader@example\.org$/m);
    expect(hasControl(m.parsed.subject)).toBe(false);
  });

  it("IRC: one line per article, nothing else in the channel", () => {
    const got = listener.messages();
    expect(got).toHaveLength(2);
    expect(got.find((l) => l.includes(bare(plainId)))).toBe(
      `:newsbot!~newsnotify@127.0.0.1 PRIVMSG #news :[local.test] Grüße aus Köln — Jürgen Müller news:${bare(plainId)}`,
    );
    const evil = got.find((l) => l.includes(bare(hostileId))) ?? "";
    expect(hasControl(evil)).toBe(false);
    expect(evil).toMatch(/<!channel> @everyone <http:\/\/evil\|click> red a Bcc:/);
    // No second line from one article: nothing else was said anywhere the listener can see.
    expect(listener.lines.filter((l) => / (PRIVMSG|NOTICE) /.test(l))).toHaveLength(2);
  });

  it("MQTT: each article once, QoS 1, not retained, the JSON contract", () => {
    expect(sub.messages).toHaveLength(2);
    for (const m of sub.messages) {
      expect(m.topic).toBe("news/local/test");
      expect(m.qos).toBe(1);
      expect(m.retain).toBe(false);
    }
    const ids = sub.messages
      .map((m) => (JSON.parse(m.payload) as { messageId: string }).messageId)
      .sort();
    expect(ids).toEqual([plainId, hostileId].sort());
  });

  it("Telegram: valid sendMessage, nothing from the hostile article became markup or a mention", () => {
    const reqs = rx.requests.filter((r) => r.path.startsWith("/telegram/"));
    expect(reqs).toHaveLength(2);
    for (const r of reqs) {
      expect(validateTelegram(r, TOKEN)).toEqual([]);
      expect(telegramInjection(r, ["b", "code"])).toEqual([]);
    }
  });

  it("Teams: valid Adaptive Cards, no Markdown, link or function from the hostile article", () => {
    const reqs = rx.requests.filter((r) => r.path === "/teams");
    expect(reqs).toHaveLength(2);
    for (const r of reqs) {
      expect(validateTeams(r)).toEqual([]);
      expect(teamsInjection(r)).toEqual([]);
    }
  });

  it("prints what each server delivered for the hostile article (for the record)", () => {
    const m = mail(hostileId);
    const tg = rx.requests.find(
      (r) => r.path.startsWith("/telegram/") && r.text.includes("mallory"),
    );
    const teams = rx.requests.find((r) => r.path === "/teams" && r.text.includes("mallory"));
    const record = [
      "email headers:",
      ...m.head.split("\n").filter((l) => /^(From|To|Subject|Message-ID|Envelope-to):/i.test(l)),
      "IRC:",
      ...listener.messages().filter((l) => l.includes(bare(hostileId))),
      "MQTT:",
      ...sub.messages
        .filter((x) => x.payload.includes(hostileId))
        .map((x) => `${x.topic} qos=${x.qos} retain=${x.retain}`),
      "Telegram text:",
      String((tg?.body as { text?: string } | undefined)?.text),
      "Teams TextBlocks:",
      ...((
        teams?.body as { attachments: { content: { body: { text: string }[] } }[] } | undefined
      )?.attachments[0]?.content.body.map((b) => JSON.stringify(b.text)) ?? []),
    ];
    console.log(record.join("\n"));
    expect(record.length).toBeGreaterThan(10);
  });

  it("stops cleanly on SIGTERM with IRC and MQTT connections open", async () => {
    expect(await watcher.stop(), watcher.log.join("\n")).toBe(0);
  });
});
