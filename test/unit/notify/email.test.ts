import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parseArticle } from "../../../src/article/parse.js";
import {
  definition,
  EmailNotifier,
  type EmailOptions,
  emailMessage,
  emailPort,
  emailSecurity,
  mailbox,
  mailMessageId,
} from "../../../src/notify/email.js";
import { DeliveryError } from "../../../src/notify/http.js";
import { parseServiceUrl } from "../../../src/notify/url.js";
import { type Exim, startExim } from "../../helpers/servers/exim.js";
import { makeArticle } from "./article-factory.js";

const root = join(import.meta.dirname, "../../..");
const hostile = parseArticle(readFileSync(join(root, "fixtures/articles/hostile.wire")), {
  path: "/var/spool/news/articles/fixture/test/5",
  group: "fixture.test",
  number: 5,
});

/** A delivered message: its header lines (unfolded) and the parsed article view of it. */
function read(raw: string) {
  const head = raw.slice(0, raw.indexOf("\n\n")).replace(/\n[ \t]+/g, " ");
  const headers = head.split("\n").map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l]);
  const parsed = parseArticle(Buffer.from(raw), { path: "/mail", group: "mail", number: 1 });
  return { headers, parsed, raw };
}
const names = (m: ReturnType<typeof read>) => m.headers.map(([n]) => n);

describe("formatting", () => {
  test("subject and display name are one line whatever the article holds", () => {
    const a = makeArticle({
      subject: "Hi\r\nBcc: evil@example.org\r\n\r\nbody",
      from: { name: "Eve\nTo: x@y", address: "eve@example.net" },
    });
    const m = emailMessage(a, { sender: "news@example.net", to: ["a@example.org"] });
    expect(m.subject).toBe("[local.test] Hi Bcc: evil@example.org body");
    expect(m.from.name).toBe("Eve To: x@y (news)");
    expect(m.text).toContain(`\n\nnews:${a.messageId.slice(1, -1).replace("@", "%40")}\n`);
  });

  test("a template's own line break cannot split the subject either", () => {
    const m = emailMessage(makeArticle(), {
      sender: "n@example.net",
      to: ["a@example.org"],
      subjectTemplate: "{subject}\nBcc: x@y",
    });
    expect(m.subject).not.toMatch(/[\r\n]/);
  });

  test("one Message-ID per article, on every attempt", () => {
    expect(mailMessageId("<a@b>", "news@example.net")).toBe(
      mailMessageId("<a@b>", "n@example.net"),
    );
    expect(mailMessageId("<a@b>", "news@example.net")).toMatch(
      /^<[0-9a-f]{32}\.newsnotify@example\.net>$/,
    );
    expect(mailMessageId("<a@b>", "n@x")).not.toBe(mailMessageId("<a@c>", "n@x"));
  });

  test.each([
    [
      "smtp://u:p%40ss@mail.example.net?from=news@example.net&to=a@x.org,b@x.org",
      {
        host: "mail.example.net",
        username: "u",
        password: "p@ss",
        to: ["a@x.org", "b@x.org"],
      },
    ],
    [
      "smtps://mail.example.net:4465?from=news@example.net&to=a@x.org",
      { port: 4465, security: "tls" },
    ],
  ])("%s", (url, expected) => {
    const r = parseServiceUrl(url);
    expect(r.ok && r.entry).toMatchObject({
      type: "email",
      sender: "news@example.net",
      ...expected,
    });
  });

  test.each<
    [
      string,
      { host: string; security?: "starttls" | "tls" | "none" | "opportunistic"; port?: number },
      string,
      number,
    ]
  >([
    ["localhost: Debian's own MTA", { host: "localhost" }, "opportunistic", 25],
    ["127.0.0.1", { host: "127.0.0.1" }, "opportunistic", 25],
    ["::1", { host: "::1" }, "opportunistic", 25],
    ["another host", { host: "mail.example.net" }, "starttls", 587],
    ["a name that only starts like loopback", { host: "127.0.0.1.example.net" }, "starttls", 587],
    ["localhost, starttls asked for", { host: "localhost", security: "starttls" }, "starttls", 587],
    ["tls", { host: "mail.example.net", security: "tls" }, "tls", 465],
    ["a port given", { host: "localhost", port: 2525 }, "opportunistic", 2525],
  ])("security and port by default: %s", (_name, o, security, port) => {
    expect(emailSecurity(o)).toBe(security);
    expect(emailPort(o)).toBe(port);
  });

  test.each([
    ["root@localhost", true],
    ["news@newshost", true],
    ["a.b+c@mail.example.net", true],
    ["no-at-sign", false],
    ["two@@example.net", false],
    ["sp ace@example.net", false],
    ['"quoted"@example.net', false],
    ["a@example.net\r\nBcc: x@y", false],
    ["a@-bad-.example", false],
  ])("address %s accepted: %s", (address, ok) => {
    expect(mailbox.safeParse(address).success).toBe(ok);
  });

  test("smtp://localhost means port 25 with opportunistic STARTTLS", () => {
    const r = parseServiceUrl("smtp://localhost?from=news@localhost&to=root@localhost");
    expect(r.ok && definition.schema.parse(r.entry)).toMatchObject({
      host: "localhost",
      security: "opportunistic",
      sender: "news@localhost",
      to: ["root@localhost"],
    });
  });

  test("a URL without from or to is refused", () => {
    expect(parseServiceUrl("smtp://mail.example.net?to=a@x.org").ok).toBe(false);
  });
});

describe("a real Exim on 127.0.0.1", () => {
  let mta: Exim;
  let base: EmailOptions;
  beforeAll(async () => {
    mta = await startExim();
    base = {
      host: "127.0.0.1",
      port: mta.port,
      security: "starttls",
      ca: mta.ca,
      username: mta.user,
      password: mta.password,
      sender: "news@example.net",
      to: ["reader@example.org"],
      timeoutMs: 10_000,
    };
  }, 30_000);
  afterAll(() => mta?.close());

  test("STARTTLS + AUTH and implicit TLS both deliver, headers RFC 2047-encoded", async () => {
    const a = makeArticle({
      subject: "Grüße aus Köln — €5",
      from: { name: "Jürgen Müller", address: "jm@example.net" },
    });
    const before = mta.messages().length;
    const starttls = new EmailNotifier(base);
    const tls = new EmailNotifier({ ...base, port: mta.tlsPort, security: "tls" });
    await starttls.send(a);
    await tls.send(a);
    starttls.close();
    tls.close();
    const got = (await mta.waitForMessages(before + 2)).slice(before).map(read);
    for (const m of got) {
      expect(m.parsed.subject).toBe("[local.test] Grüße aus Köln — €5");
      expect(m.parsed.from).toEqual({ name: "Jürgen Müller (news)", address: "news@example.net" });
      expect(m.raw).toMatch(/^Subject: =\?UTF-8\?[QB]\?/m);
      expect(m.raw).toMatch(/^From: =\?UTF-8\?[QB]\?.*\?= <news@example\.net>$/m);
      expect(m.raw).toMatch(/^Auto-Submitted: auto-generated$/m);
      expect(m.raw).toMatch(/^Content-Type: text\/plain; charset=utf-8$/m);
      expect(m.parsed.snippet).toContain(`news:${a.messageId.slice(1, -1).replace("@", "%40")}`);
      expect(m.parsed.snippet).toContain("Hello,\nthis is a test.");
    }
    // Exim's log says how each arrived: esmtpsa = ESMTP + TLS + AUTH.
    expect(mta.log()).toMatch(/P=esmtpsa X=TLS1\.[23].* A=plain:news/);
  });

  test("the hostile article: no header injected, no extra recipient", async () => {
    const before = mta.messages().length;
    const evil = {
      ...hostile,
      subject: `${hostile.subject}\r\nBcc: victim@example.org\r\nX-Evil: 1`,
    };
    const n = new EmailNotifier(base);
    await n.send(evil);
    n.close();
    const [m] = (await mta.waitForMessages(before + 1)).slice(before).map(read);
    if (!m) throw new Error("no message");
    expect(names(m).filter((h) => h === "subject")).toHaveLength(1);
    expect(names(m)).not.toContain("bcc");
    expect(names(m)).not.toContain("x-evil");
    expect(m.raw).toMatch(/^Envelope-to: reader@example\.org$/m);
    expect(m.parsed.subject).toBe(
      "[fixture.test] <!channel> @everyone <http://evil|click> Bcc: victim@example.org X-Evil: 1",
    );
    expect(m.parsed.from.name).toBe("@here *bold* <script> (news)");
    expect(m.parsed.snippet).toContain("<script>alert('xss')</script>");
  });

  test("a recipient the server refuses (550) is permanent; a wrong password is retried", async () => {
    const refused = new EmailNotifier({ ...base, to: ["nobody@example.org"] });
    const e1 = await refused.send(makeArticle()).catch((e: unknown) => e);
    refused.close();
    expect(e1).toBeInstanceOf(DeliveryError);
    expect((e1 as DeliveryError).permanent).toBe(true);
    const badAuth = new EmailNotifier({ ...base, password: "wrong" });
    const e2 = await badAuth.send(makeArticle()).catch((e: unknown) => e);
    badAuth.close();
    expect(e2).toBeInstanceOf(DeliveryError);
    expect((e2 as DeliveryError).permanent).toBe(false);
    expect((e2 as Error).message).toMatch(/EAUTH/);
  });

  test("a server without the CA's trust is not talked to (no silent plain text)", async () => {
    const n = new EmailNotifier({ ...base, ca: undefined });
    const e = await n.send(makeArticle()).catch((e: unknown) => e);
    n.close();
    expect((e as Error).message).toMatch(/certificate|self.signed/i);
  });

  test("the local MTA by default: opportunistic STARTTLS, its self-signed certificate taken on loopback", async () => {
    const before = mta.messages().length;
    // As Debian's postfix: STARTTLS offered with a certificate nobody signed; no AUTH; local names.
    const entry = definition.schema.parse({
      type: "email",
      host: "localhost",
      port: mta.port,
      sender: "news@newshost",
      to: ["root@localhost"],
    });
    expect(entry.security).toBe("opportunistic");
    const n = new EmailNotifier(entry);
    await n.send(makeArticle());
    n.close();
    const [m] = (await mta.waitForMessages(before + 1)).slice(before).map(read);
    expect(m?.raw).toMatch(/^Envelope-to: root@localhost$/m);
    expect(mta.log()).toMatch(/<= news@newshost .*P=esmtps X=TLS/);
  });
});
