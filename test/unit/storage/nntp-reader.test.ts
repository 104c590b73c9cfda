import { once } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { fetchByNumber, NntpError, NntpReader } from "../../../src/storage/nntp-reader.js";

/**
 * A small NNTP reader server on 127.0.0.1 with the articles given (wire format), answering like
 * nnrpd: 200 greeting, MODE READER, GROUP, ARTICLE by number or Message-ID, OVER. It writes each
 * answer in small pieces to exercise the client's framing. Pipelined commands are answered in order.
 */
async function server(
  groups: Record<string, Record<number, string>>,
  opts: {
    greeting?: string;
    silent?: boolean;
    /** readers.conf wants a user: reader commands (and MODE READER when `mode`) answer 480 until AUTHINFO. */
    auth?: { user: string; password: string; mode?: boolean; userReply?: string };
  } = {},
): Promise<{ port: number; srv: Server; commands: string[] }> {
  const commands: string[] = [];
  const srv = createServer((s: Socket) => {
    let current = "";
    let buf = "";
    let authed = false;
    let user = "";
    // A client that hangs up after QUIT resets the socket under the 205 still being written: that
    // is the client's right, not a server failure (an uncaught ECONNRESET here once, under load).
    s.on("error", () => {});
    const send = (text: string) => {
      for (let i = 0; i < text.length; i += 7) s.write(text.slice(i, i + 7));
    };
    send(`${opts.greeting ?? "200 test server ready"}\r\n`);
    s.on("data", (d) => {
      buf += d.toString("latin1");
      let at = buf.indexOf("\r\n");
      while (at !== -1) {
        const line = buf.slice(0, at);
        buf = buf.slice(at + 2);
        commands.push(line);
        if (!opts.silent) answer(line);
        at = buf.indexOf("\r\n");
      }
    });
    const answer = (line: string) => {
      const [cmd, arg = ""] = line.split(" ");
      const auth = opts.auth;
      if (cmd === "AUTHINFO" && auth) {
        const value = line.split(" ").slice(2).join(" ");
        if (arg === "USER") {
          user = value;
          return send(`${auth.userReply ?? "381 password please"}\r\n`);
        }
        authed = user === auth.user && value === auth.password;
        return send(authed ? "281 welcome\r\n" : "481 bad user or password\r\n");
      }
      const open = cmd === "QUIT" || (cmd === "MODE" && !auth?.mode);
      if (auth && !authed && !open) return send("480 authentication required\r\n");
      if (cmd === "MODE") return send("200 reader\r\n");
      if (cmd === "QUIT") return s.end("205 bye\r\n");
      if (cmd === "GROUP") {
        const g = groups[arg];
        if (!g) return send("411 no such group\r\n");
        current = arg;
        const ns = Object.keys(g).map(Number);
        return send(`211 ${ns.length} ${Math.min(...ns)} ${Math.max(...ns)} ${arg}\r\n`);
      }
      if (cmd === "ARTICLE") {
        const all = Object.values(groups).flatMap((g) => Object.values(g));
        const text = arg.startsWith("<")
          ? all.find((a) => a.includes(`Message-ID: ${arg}\r\n`))
          : groups[current]?.[Number(arg)];
        if (!text)
          return send(arg.startsWith("<") ? "430 no such article\r\n" : "423 no such number\r\n");
        return send(`220 ${arg} article\r\n${text}`);
      }
      if (cmd === "OVER") {
        const g = groups[current] ?? {};
        return send(
          `224 overview\r\n${Object.keys(g)
            .map((n) => `${n}\tsubject\r\n`)
            .join("")}.\r\n`,
        );
      }
      send("500 what?\r\n");
    };
  });
  srv.listen(0, "127.0.0.1");
  await once(srv, "listening");
  const addr = srv.address();
  return { port: typeof addr === "object" && addr ? addr.port : 0, srv, commands };
}

const art = (id: string, body: string) =>
  `Message-ID: <${id}@x>\r\nSubject: s\r\n\r\n${body}\r\n.\r\n`;

describe("NntpReader against a small local server", () => {
  let srv: Server | null = null;
  afterEach(() => {
    srv?.close();
  });

  it("GROUP, ARTICLE by number and Message-ID, pipelined, with dot-stuffed lines kept", async () => {
    const t = await server({ "cn.test": { 3: art("a", "..leading dot"), 5: art("c", "three") } });
    srv = t.srv;
    const r = await NntpReader.open({ port: t.port });
    expect(await r.group("cn.test")).toEqual({ count: 2, low: 3, high: 5 });
    expect(await r.group("no.such")).toBeNull();
    const got = await r.articles([3, 4, 5, "<c@x>", "<zz@x>"], 2);
    expect(got.map((b) => b?.toString("latin1") ?? null)).toEqual([
      art("a", "..leading dot"),
      null,
      art("c", "three"),
      art("c", "three"),
      null,
    ]);
    expect(await r.over(3, 5)).toEqual(["3\tsubject", "5\tsubject"]);
    r.close();
    expect(t.commands.slice(0, 2)).toEqual(["MODE READER", "GROUP cn.test"]);
  });

  it("fetchByNumber: per group, in the order asked, null for what is gone", async () => {
    const s = await server({
      "a.b": { 1: art("1", "x"), 2: art("2", "y") },
      "c.d": { 7: art("7", "z") },
    });
    srv = s.srv;
    const r = await NntpReader.open({ port: s.port });
    const got = await fetchByNumber(r, [
      { group: "c.d", number: 7 },
      { group: "a.b", number: 2 },
      { group: "a.b", number: 9 },
      { group: "gone.group", number: 1 },
      { group: "a.b", number: 1 },
    ]);
    r.close();
    expect(got.map((g) => [g.group, g.number, g.article ? "article" : null])).toEqual([
      ["c.d", 7, "article"],
      ["a.b", 2, "article"],
      ["a.b", 9, null],
      ["gone.group", 1, null],
      ["a.b", 1, "article"],
    ]);
    // 9 is above a.b's high: not asked for
    expect(s.commands.filter((c) => c.startsWith("ARTICLE"))).toEqual([
      "ARTICLE 7",
      "ARTICLE 2",
      "ARTICLE 1",
    ]);
  });

  it("refuses what would inject a command, before sending anything", async () => {
    const s = await server({ "a.b": { 1: art("1", "x") } });
    srv = s.srv;
    const r = await NntpReader.open({ port: s.port });
    await expect(r.article("<a@b>\r\nQUIT")).rejects.toThrow(NntpError);
    await expect(r.group("a.b\r\nQUIT")).rejects.toThrow(NntpError);
    await expect(r.article(0)).rejects.toThrow(NntpError);
    r.close();
    expect(s.commands).toEqual(["MODE READER"]);
  });

  it("a refused connection, a silent server and an oversized answer are NntpErrors", async () => {
    const busy = await server({}, { greeting: "502 no permission" });
    srv = busy.srv;
    await expect(NntpReader.open({ port: busy.port })).rejects.toThrow(
      /refused the connection: 502/,
    );
    busy.srv.close();

    const silent = await server({}, { silent: true });
    srv = silent.srv;
    await expect(NntpReader.open({ port: silent.port, timeoutMs: 300 })).rejects.toThrow(
      /no answer within 300 ms/,
    );
    silent.srv.close();

    const big = await server({ "a.b": { 1: art("1", "x".repeat(5000)) } });
    srv = big.srv;
    const r = await NntpReader.open({ port: big.port, maxBytes: 1000 });
    await r.group("a.b");
    await expect(r.article(1)).rejects.toThrow(/over 1000 bytes/);
  });
});

describe("NntpReader and readers.conf authentication (AUTHINFO USER/PASS, RFC 4643)", () => {
  let srv: Server | null = null;
  afterEach(() => {
    srv?.close();
    srv = null;
  });
  const GROUPS = { "a.b": { 1: art("1", "one") } };
  const RIGHT = { user: "news-reader", password: "s3cret pass", source: "test" };
  type Auth = NonNullable<Parameters<typeof server>[1]>["auth"];

  it.each<[string, string, Auth, typeof RIGHT | null, RegExp | null, string[]]>([
    [
      "200, no auth wanted: credentials never sent",
      "200 ok",
      undefined,
      RIGHT,
      null,
      ["MODE READER", "GROUP a.b"],
    ],
    [
      "201 (no posting), no credentials at all",
      "201 ok, no posting",
      undefined,
      null,
      null,
      ["MODE READER", "GROUP a.b"],
    ],
    [
      "480 on GROUP -> AUTHINFO USER/PASS, then GROUP again",
      "200 ok",
      { user: RIGHT.user, password: RIGHT.password },
      RIGHT,
      null,
      [
        "MODE READER",
        "GROUP a.b",
        "AUTHINFO USER news-reader",
        "AUTHINFO PASS s3cret pass",
        "GROUP a.b",
      ],
    ],
    [
      "480 on MODE READER -> AUTHINFO, then MODE READER again",
      "200 ok",
      { user: RIGHT.user, password: RIGHT.password, mode: true },
      RIGHT,
      null,
      [
        "MODE READER",
        "AUTHINFO USER news-reader",
        "AUTHINFO PASS s3cret pass",
        "MODE READER",
        "GROUP a.b",
      ],
    ],
    [
      "480 and nothing configured: says so",
      "200 ok",
      { user: "u", password: "p" },
      null,
      /requires authentication \(GROUP: 480 authentication required\) and no credentials are configured/,
      ["MODE READER", "GROUP a.b"],
    ],
    [
      "481: bad credentials, named by user and source, never the password",
      "200 ok",
      { user: RIGHT.user, password: "other" },
      RIGHT,
      /^the server refused the credentials of user news-reader \(from test\): 481 bad user or password$/,
      ["MODE READER", "GROUP a.b", "AUTHINFO USER news-reader", "AUTHINFO PASS s3cret pass"],
    ],
    [
      "502: no authentication permitted",
      "200 ok",
      { user: RIGHT.user, password: RIGHT.password, userReply: "502 not for you" },
      RIGHT,
      /permits no authentication here \(user news-reader \(from test\)\): 502 not for you/,
      ["MODE READER", "GROUP a.b", "AUTHINFO USER news-reader"],
    ],
    [
      "483: TLS first",
      "200 ok",
      { user: RIGHT.user, password: RIGHT.password, userReply: "483 encryption required" },
      RIGHT,
      /wants an encrypted connection \(TLS\)/,
      ["MODE READER", "GROUP a.b", "AUTHINFO USER news-reader"],
    ],
  ])("%s", async (_what, greeting, auth, login, error, commands) => {
    const s = await server(GROUPS, { greeting, ...(auth ? { auth } : {}) });
    srv = s.srv;
    const asked: number[] = [];
    const opts = {
      port: s.port,
      login: async () => {
        asked.push(1);
        return login;
      },
    };
    const session = async () => {
      const r = await NntpReader.open(opts);
      try {
        return { info: await r.group("a.b"), as: r.authenticatedAs };
      } finally {
        r.close();
      }
    };
    if (error) {
      const e = await session().then(
        () => null,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(NntpError);
      expect((e as Error).message).toMatch(error);
      expect((e as Error).message).not.toContain("s3cret");
    } else {
      const got = await session();
      expect(got.info).toEqual({ count: 1, low: 1, high: 1 });
      expect(got.as).toBe(auth ? RIGHT.user : null);
    }
    // Credentials are looked up only when the server asks. (Every command was recorded before its
    // answer was sent; QUIT races the close.)
    expect(asked.length).toBe(auth ? 1 : 0);
    expect(s.commands.filter((c) => c !== "QUIT")).toEqual(commands);
  });
});
