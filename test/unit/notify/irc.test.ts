import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parseArticle } from "../../../src/article/parse.js";
import { DeliveryError } from "../../../src/notify/http.js";
import { IrcNotifier, ircLine, ircTextLimit, stripIrcFormatting } from "../../../src/notify/irc.js";
import { parseLine } from "../../../src/notify/irc-client.js";
import { parseServiceUrl } from "../../../src/notify/url.js";
import { type Listener, listen, type Ngircd, startNgircd } from "../../helpers/servers/ngircd.js";
import { hasControl, makeArticle, makeLongArticle } from "./article-factory.js";

const root = join(import.meta.dirname, "../../..");
const hostile = parseArticle(readFileSync(join(root, "fixtures/articles/hostile.wire")), {
  path: "/var/spool/news/articles/fixture/test/5",
  group: "fixture.test",
  number: 5,
});

describe("formatting", () => {
  test("formatting codes go, colour digits with them", () => {
    expect(
      stripIrcFormatting("\x02bold\x02 \x0304,01red\x03 \x1ditalic\x0f \x01ACTION x\x01"),
    ).toBe("bold red italic ACTION x");
  });

  test("one line, whatever the article holds; no CTCP, no second command", () => {
    const a = makeArticle({
      subject: "a\r\nPRIVMSG #other :spam\r\nQUIT",
      from: { name: "\x01ACTION waves\x01", address: "x@example.net" },
      snippet: "line1\nJOIN #evil\n",
    });
    const line = ircLine(
      a,
      { channel: "#news", template: "{subject} {fromName} {snippet}" },
      "newsnotify",
    );
    expect(line).toBe("PRIVMSG #news :a PRIVMSG #other :spam QUIT ACTION waves line1 JOIN #evil");
    expect(hasControl(line)).toBe(false);
  });

  test("the line as other clients receive it fits 512 bytes, never inside a character", () => {
    const nick = "newsnotify";
    const line = ircLine(makeLongArticle(), { channel: "#news" }, nick);
    const relayed = `:${nick}!~${"u".repeat(9)}@${"h".repeat(63)} ${line}\r\n`;
    expect(Buffer.byteLength(relayed)).toBeLessThanOrEqual(512);
    expect(line).toMatch(/…/);
    expect(line).not.toContain("\ufffd");
    expect(ircTextLimit("#news", nick)).toBe(
      512 - 2 - "PRIVMSG #news :".length - (1 + 10 + 1 + 10 + 1 + 63 + 1),
    );
  });

  test("parseLine", () => {
    expect(parseLine(":n!u@h PRIVMSG #c :hello there")).toEqual({
      prefix: "n!u@h",
      command: "PRIVMSG",
      params: ["#c", "hello there"],
    });
    expect(parseLine("PING :x")).toEqual({ prefix: "", command: "PING", params: ["x"] });
  });

  test.each([
    ["irc://irc.example.net/news", { host: "irc.example.net", tls: false, channel: "#news" }],
    [
      "ircs://bot:pw@irc.example.net:7000/%23news",
      { port: 7000, tls: true, nick: "bot", password: "pw" },
    ],
    ["irc://irc.example.net/#news", { channel: "#news" }],
  ])("%s", (url, expected) => {
    const r = parseServiceUrl(url);
    expect(r.ok && r.entry).toMatchObject({ type: "irc", ...expected });
  });

  test("a URL without a channel is refused", () => {
    expect(parseServiceUrl("irc://irc.example.net").ok).toBe(false);
  });
});

describe("a real ngIRCd on 127.0.0.1", () => {
  let server: Ngircd;
  let listener: Listener;
  beforeAll(async () => {
    server = await startNgircd();
    listener = await listen(server.port, "#news");
  }, 30_000);
  afterAll(async () => {
    listener?.close();
    await server?.close();
  });

  test("registers, joins, one PRIVMSG per article (plain and TLS), the listener reads them", async () => {
    const plain = new IrcNotifier({
      host: "127.0.0.1",
      port: server.port,
      channel: "#news",
      nick: "nn",
      timeoutMs: 5000,
    });
    const tls = new IrcNotifier({
      host: "127.0.0.1",
      port: server.tlsPort,
      tls: true,
      ca: server.ca,
      channel: "#news",
      nick: "nntls",
      notice: true,
      timeoutMs: 5000,
    });
    const a = makeArticle({ subject: "Grüße aus Köln" });
    const b = makeArticle({ subject: "Second" });
    await plain.send(a);
    await plain.send(b);
    await tls.send(a);
    const got = await listener.waitForMessages(3);
    plain.close();
    tls.close();
    const id = (x: typeof a) => x.messageId.slice(1, -1).replace("@", "%40");
    expect(got[0]).toBe(
      `:nn!~newsnotify@127.0.0.1 PRIVMSG #news :[local.test] Grüße aus Köln — Ada Lovelace news:${id(a)}`,
    );
    expect(got[1]).toMatch(/^:nn!\S+ PRIVMSG #news :\[local\.test\] Second — /);
    expect(got[2]).toMatch(/^:nntls!\S+ NOTICE #news :\[local\.test\] Grüße aus Köln/);
  });

  test("the hostile article: one line, no IRC command, no formatting", async () => {
    const before = listener.messages().length;
    const evil = {
      ...hostile,
      subject: `${hostile.subject}\r\nJOIN #evil\r\nPRIVMSG #news :\x02\x0304forged`,
    };
    const n = new IrcNotifier({
      host: "127.0.0.1",
      port: server.port,
      channel: "#news",
      nick: "nnhostile",
      timeoutMs: 5000,
    });
    await n.send(evil);
    // A plain article after it on the same connection: once it arrived, any second line the hostile
    // one made would have arrived before it (one connection keeps its order).
    const end = makeArticle({ subject: "end of the hostile test" });
    await n.send(end);
    await listener.waitForMessages(before + 2);
    n.close();
    const got = listener.messages().slice(before);
    expect(got).toHaveLength(2);
    expect(got[1]).toMatch(/ PRIVMSG #news :\[local\.test\] end of the hostile test — /);
    expect(got[0]).toBe(
      ":nnhostile!~newsnotify@127.0.0.1 PRIVMSG #news :[fixture.test] <!channel> @everyone <http://evil|click> JOIN #evil PRIVMSG #news :forged — @here *bold* <script> news:hostile.20261124212441.10222%40fixtures.newsnotify.invalid",
    );
    expect(hasControl(got[0] ?? "")).toBe(false);
    expect(listener.lines.filter((l) => /^:\S+ JOIN /.test(l)).join("\n")).not.toMatch(/#evil/);
  });

  test("a closed connection is reopened by the next send", async () => {
    const n = new IrcNotifier({
      host: "127.0.0.1",
      port: server.port,
      channel: "#news",
      nick: "nnkick",
      timeoutMs: 5000,
    });
    const before = listener.messages().length;
    await n.send(makeArticle({ subject: "before" }));
    n.close();
    await n.send(makeArticle({ subject: "after" }));
    n.close();
    await listener.waitForMessages(before + 2);
    const all = listener.messages().join("\n");
    expect(all).toMatch(/nnkick!\S+ PRIVMSG #news :\[local\.test\] before/);
    expect(all).toMatch(/nnkick!\S+ PRIVMSG #news :\[local\.test\] after/);
  });

  test("nothing listens: a DeliveryError worth a retry", async () => {
    const n = new IrcNotifier({ host: "127.0.0.1", port: 1, channel: "#news", timeoutMs: 2000 });
    const e = await n.send(makeArticle()).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DeliveryError);
    expect((e as DeliveryError).permanent).toBe(false);
  });
});

/**
 * ngIRCd has no SASL and no services, so these run against a scripted server that speaks the IRCv3
 * CAP/SASL exchange (ircv3.net/specs/extensions/sasl-3.1) and records what the client said.
 */
describe("SASL PLAIN and NickServ (scripted server)", () => {
  async function scripted(reply: (line: string, write: (l: string) => void) => void) {
    const { createServer } = await import("node:net");
    const said: string[] = [];
    const server = createServer((s) => {
      s.on("error", () => {}); // a client hanging up mid-write is not the scripted server's failure
      s.setEncoding("utf8");
      let buf = "";
      s.on("data", (chunk: string) => {
        buf += chunk;
        for (let nl = buf.indexOf("\r\n"); nl !== -1; nl = buf.indexOf("\r\n")) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 2);
          said.push(line);
          reply(line, (l) => s.write(`${l}\r\n`));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as { port: number };
    return { port, said, close: () => server.close() };
  }
  const ircd = (sasl: "ok" | "fail") => {
    let negotiating = false;
    return (line: string, w: (l: string) => void) => {
      const [cmd] = line.split(" ");
      if (line === "CAP LS 302") {
        negotiating = true;
        w(":srv CAP * LS :multi-prefix sasl=PLAIN,EXTERNAL");
      } else if (line === "CAP REQ :sasl") w(":srv CAP * ACK :sasl");
      else if (line === "AUTHENTICATE PLAIN") w("AUTHENTICATE +");
      else if (cmd === "AUTHENTICATE")
        w(
          sasl === "ok"
            ? ":srv 903 bot :SASL authentication successful"
            : ":srv 904 bot :SASL authentication failed",
        );
      else if (line === "CAP END" || (cmd === "USER" && !negotiating))
        w(":srv 001 bot :Welcome bot!u@h");
      else if (cmd === "JOIN") w(":bot!u@h JOIN #news");
      else if (cmd === "PING") w(`:srv PONG srv ${line.slice(5)}`);
    };
  };

  test("SASL PLAIN: CAP LS, REQ sasl, AUTHENTICATE with authzid\\0authcid\\0password, CAP END", async () => {
    const srv = await scripted(ircd("ok"));
    const n = new IrcNotifier({
      host: "127.0.0.1",
      port: srv.port,
      channel: "#news",
      nick: "bot",
      sasl: { username: "bot", password: "pw" },
      nickservPassword: "ns-pw",
      timeoutMs: 3000,
    });
    await n.send(makeArticle({ subject: "hi" }));
    n.close();
    srv.close();
    const auth = Buffer.from("bot\0bot\0pw").toString("base64");
    expect(srv.said.slice(0, 6)).toEqual([
      "CAP LS 302",
      "NICK bot",
      "USER newsnotify 0 * :newsnotify",
      "CAP REQ :sasl",
      "AUTHENTICATE PLAIN",
      `AUTHENTICATE ${auth}`,
    ]);
    expect(srv.said).toContain("CAP END");
    expect(srv.said).toContain("PRIVMSG NickServ :IDENTIFY ns-pw");
    expect(srv.said.find((l) => l.startsWith("PRIVMSG #news :"))).toMatch(
      /^PRIVMSG #news :\[local\.test\] hi/,
    );
  });

  test("a server that drops the connection: the send fails (retried), the next one reconnects", async () => {
    const connections: string[][] = [];
    const { createServer } = await import("node:net");
    const server = createServer((s) => {
      const said: string[] = [];
      connections.push(said);
      s.on("error", () => {}); // a client hanging up mid-write is not the scripted server's failure
      s.setEncoding("utf8");
      s.on("data", (chunk: string) => {
        for (const line of chunk.split("\r\n").filter(Boolean)) {
          said.push(line);
          if (line.startsWith("USER")) s.write(":srv 001 bot :hi\r\n");
          else if (line.startsWith("JOIN")) s.write(":bot!u@h JOIN #news\r\n");
          // The first connection dies on its first message, before the PONG that would confirm it.
          else if (line.startsWith("PRIVMSG") && connections.length === 1) s.destroy();
          else if (line.startsWith("PING")) s.write(`:srv PONG srv ${line.slice(5)}\r\n`);
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as { port: number };
    const n = new IrcNotifier({
      host: "127.0.0.1",
      port,
      channel: "#news",
      nick: "bot",
      timeoutMs: 3000,
    });
    const a = makeArticle({ subject: "once more" });
    const e = await n.send(a).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DeliveryError);
    expect((e as DeliveryError).permanent).toBe(false);
    await n.send(a);
    n.close();
    server.close();
    expect(connections).toHaveLength(2);
    expect(connections[1]?.find((l) => l.startsWith("PRIVMSG"))).toMatch(/once more/);
  });

  test("a failed SASL log-in is a DeliveryError, nothing sent to the channel", async () => {
    const srv = await scripted(ircd("fail"));
    const n = new IrcNotifier({
      host: "127.0.0.1",
      port: srv.port,
      channel: "#news",
      nick: "bot",
      sasl: { username: "bot", password: "bad" },
      timeoutMs: 3000,
    });
    const e = await n.send(makeArticle()).catch((x: unknown) => x);
    srv.close();
    expect(e).toBeInstanceOf(DeliveryError);
    expect((e as Error).message).toMatch(/SASL log-in failed: 904/);
    expect(srv.said.some((l) => l.startsWith("PRIVMSG #news"))).toBe(false);
  });
});
