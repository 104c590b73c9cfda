/**
 * End to end on the real thing: innd files articles posted with inews, `bin/newsnotify watch`
 * (spawned as users run it) traces innd with the real bpftrace, and a real HTTP receiver on
 * 127.0.0.1 gets the webhook. One notification per article, with the contract's fields.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ensureGroup,
  ensureInnd,
  newMessageId,
  post,
  requirePrerequisites,
  spool,
} from "../helpers/inn.js";
import { type ReceivedRequest, type Receiver, startReceiver } from "../helpers/receiver.js";
import { startWatch, type Watcher, webhookConfig } from "../helpers/watch.js";

const DEEP = "a.b.c.d.e.f.g.h.i";
// Dated now, to the second: innd refuses an article older than its artcutoff (10 days), so a date
// written into the test would make the suite fail some days after it was written.
const POSTED = new Date(Math.floor(Date.now() / 1000) * 1000);

interface Case {
  name: string;
  id: string;
  article: string;
  expect: (body: Record<string, unknown>) => void;
}

const cases: Case[] = [];
function add(name: string, headers: string, body: string, check: Case["expect"]): void {
  const id = newMessageId(name);
  cases.push({
    name,
    id,
    article: `Message-ID: ${id}\n${headers.trim()}\n\n${body}`,
    expect: check,
  });
}

add(
  "plain",
  "From: Alice Example <alice@example.net>\nNewsgroups: local.test\nSubject: Plain hello\n" +
    `Date: ${POSTED.toUTCString().replace("GMT", "+0000")}`,
  "First line.\n.leading dot survives\n\nLast line.\n",
  (b) => {
    expect(b.newsgroups).toEqual(["local.test"]);
    expect(b.from).toEqual({ name: "Alice Example", address: "alice@example.net" });
    expect(b.subject).toBe("Plain hello");
    expect(b.date).toBe(POSTED.toISOString());
    expect(b.snippet).toBe("First line.\n.leading dot survives\n\nLast line.");
    expect(b.path).toMatch(new RegExp(`^${spool()}/local/test/\\d+$`));
  },
);
add(
  "crosspost",
  `From: bob@example.net (Bob Deep)\nNewsgroups: ${DEEP},local.test\nSubject: Nine levels deep`,
  "Crossposted body.\n",
  (b) => {
    expect(b.newsgroups).toEqual([DEEP, "local.test"]);
    expect(b.from).toEqual({ name: "Bob Deep", address: "bob@example.net" });
    // One created file, in the first group; the second group gets a hard link.
    expect(b.path).toMatch(new RegExp(`^${spool()}/a/b/c/d/e/f/g/h/i/\\d+$`));
    expect((b.xref as { group: string }[]).map((x) => x.group)).toEqual([DEEP, "local.test"]);
  },
);
add(
  "rfc2047",
  "From: =?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <jm@example.net>\nNewsgroups: local.test\n" +
    "Subject: =?ISO-8859-1?Q?Gr=FC=DFe_aus_K=F6ln?= =?UTF-8?B?4oCUIOKCrDU=?=",
  "Body.\n",
  (b) => {
    expect(b.subject).toBe("Grüße aus Köln— €5");
    expect(b.from).toEqual({ name: "Jürgen Müller", address: "jm@example.net" });
  },
);
add(
  "multipart",
  'From: carol@example.net\nNewsgroups: local.test\nSubject: Multipart\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary="XYZ"',
  "--XYZ\nContent-Type: text/html; charset=utf-8\n\n<p>HTML part</p>\n--XYZ\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nPlain part: caf=E9\n--XYZ--\n",
  (b) => {
    expect(b.snippet).toBe("Plain part: café");
    expect(b.from).toEqual({ name: "", address: "carol@example.net" });
  },
);
add(
  "hostile",
  "From: <!channel> <evil@example.net>\nNewsgroups: local.test\nSubject: <!everyone> $(touch /tmp/newsnotify-pwned) `id` <http://x|y>",
  "<script>alert(1)</script>\n",
  (b) => {
    // Kept verbatim in the JSON contract: escaping is each chat notifier's job.
    expect(b.subject).toBe("<!everyone> $(touch /tmp/newsnotify-pwned) `id` <http://x|y>");
    expect(b.snippet).toBe("<script>alert(1)</script>");
  },
);

add(
  "proto-header",
  'From: Real Sender <real@example.net>\nNewsgroups: local.test\nSubject: Header trap\nConstructor: x\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="B"',
  "--B\nContent-Type: text/plain\n\nFrom: forged@example.net\nbody text\n--B--\n",
  (b) => {
    // A MIME parser whose header object is a plain {} choked on "Constructor:" and read the body as
    // header: the body's "From:" line became the sender.
    expect(b.from).toEqual({ name: "Real Sender", address: "real@example.net" });
    expect(b.snippet).toBe("From: forged@example.net\nbody text");
  },
);

describe("newsnotify watch on a real innd", () => {
  let rx: Receiver;
  let watcher: Watcher;
  let byId: Map<string, ReceivedRequest[]>;

  beforeAll(async () => {
    requirePrerequisites();
    ensureInnd();
    for (const g of ["local.test", DEEP]) ensureGroup(g);
    rx = await startReceiver();
    const config = webhookConfig(`${rx.url}/hook`, "newsnotify-e2e-");
    watcher = startWatch(config);
    await watcher.waitForLine(/ready: /);
    for (const c of cases) post(c.article);
    await rx.waitFor(cases.length, 30_000).catch((e: Error) => {
      throw new Error(`${e.message}\nwatch said:\n${watcher.log.join("\n")}`);
    });
    // Give a duplicate (second probe, hard link of the crosspost) time to show up.
    await new Promise((r) => setTimeout(r, 1500));
    byId = new Map();
    for (const req of rx.requests) {
      const id = String((req.body as { messageId?: unknown })?.messageId);
      byId.set(id, [...(byId.get(id) ?? []), req]);
    }
  }, 120_000);

  afterAll(async () => {
    await watcher?.stop();
    await rx?.close();
  });

  it("says which mode it chose, and why", () => {
    expect(watcher.log.join("\n")).toMatch(/ready: (kprobe|tracepoint) mode \(.+\)/);
  });

  it.each(cases.map((c) => [c.name, c] as const))(
    "%s: exactly one webhook with the contract's fields",
    (_n, c) => {
      const got = byId.get(c.id) ?? [];
      expect(got, `notifications for ${c.id}`).toHaveLength(1);
      const [req] = got;
      if (!req) return;
      expect(req.method).toBe("POST");
      expect(req.path).toBe("/hook");
      expect(req.headers["content-type"]).toMatch(/^application\/json/);
      const body = req.body as Record<string, unknown>;
      expect(body.messageId).toBe(c.id);
      for (const key of ["newsgroups", "from", "subject", "date", "path", "snippet"])
        expect(body).toHaveProperty(key);
      c.expect(body);
    },
  );

  it("sent nothing else", () => {
    expect(rx.requests).toHaveLength(cases.length);
  });

  it("stops cleanly on SIGTERM", async () => {
    expect(await watcher.stop(), watcher.log.join("\n")).toBe(0);
    expect(watcher.log.join("\n")).toMatch(/SIGTERM: stopping/);
  });
});
