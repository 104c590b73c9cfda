import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseTradspoolMap } from "../../src/inn/tradspool-map.js";
import { fetchByNumber, NntpReader } from "../../src/storage/nntp-reader.js";
import { smRead } from "../../src/storage/sm.js";
import { decodeTimehash, decodeTradspool, parseToken } from "../../src/storage/token.js";
import { newMessageId, post, requirePrerequisites } from "../helpers/inn.js";
import {
  inndRunning,
  METHOD_GROUPS,
  restoreOnExit,
  restoreStorageMethods,
  tokenOf,
  useStorageMethods,
} from "../helpers/storage-methods.js";

// The real innd with all four methods: every stored article is read back by token through INN's
// sm (batched), over a reader connection (by Message-ID and by number), and from its own file where
// it has one; all three give the same bytes. INN's config is restored afterwards, even on failure.

const etc = "/etc/news";
const sha = (p: string) => createHash("sha256").update(readFileSync(p)).digest("hex");

interface Posted {
  method: string;
  group: string;
  id: string;
  token: string;
}

describe("reading stored articles on every storage method", () => {
  const before = { storage: "", cycbuff: "", innd: false };
  const posted: Posted[] = [];

  beforeAll(() => {
    requirePrerequisites();
    restoreOnExit();
    restoreStorageMethods(); // a crashed earlier run
    before.storage = sha(`${etc}/storage.conf`);
    before.cycbuff = sha(`${etc}/cycbuff.conf`);
    before.innd = inndRunning();
    useStorageMethods();
    for (const [method, group] of Object.entries(METHOD_GROUPS)) {
      const id = newMessageId(`readers-${method}`);
      post(
        `From: e2e <e2e@newsnotify.test>\nNewsgroups: ${group}\nSubject: ${method}\nMessage-ID: ${id}\n\nStored by ${method}.\n`,
      );
      posted.push({ method, group, id, token: tokenOf(id) });
    }
  });

  afterAll(() => {
    restoreStorageMethods();
    // left as found: INN's files byte for byte, no backup or cycbuff left, innd as it was
    expect(sha(`${etc}/storage.conf`)).toBe(before.storage);
    expect(sha(`${etc}/cycbuff.conf`)).toBe(before.cycbuff);
    expect(readdirSync(etc).filter((f) => f.includes("newsnotify-e2e"))).toEqual([]);
    expect(existsSync("/var/spool/news/cycbuffs/nn-e2e")).toBe(false);
    expect(inndRunning()).toBe(before.innd);
  });

  it("the token's type is the method storage.conf maps the group to", () => {
    const types = Object.fromEntries(posted.map((p) => [p.method, p.token.slice(1, 3)]));
    expect(types).toEqual({
      timehash: "02",
      timecaf: "04",
      cnfs: "03",
      cnfsDeep: "03",
      tradspool: "05",
    });
  });

  it("sm reads every one, in one batch, each mapped to its own token", async () => {
    const got = await smRead([...posted.map((p) => p.token), `@03${"0".repeat(34)}@`]);
    for (const p of posted) {
      const r = got.get(p.token);
      expect(r?.ok && r.article.toString("latin1")).toContain(`Message-ID: ${p.id}\r\n`);
      expect(r?.ok && r.article.toString("latin1").endsWith("\r\n.\r\n")).toBe(true);
    }
    expect(got.get(`@03${"0".repeat(34)}@`)).toMatchObject({ ok: false });
  });

  it("a reader connection gives the same bytes, by Message-ID and by number", async () => {
    const nntp = await NntpReader.open();
    try {
      const sm = await smRead(posted.map((p) => p.token));
      for (const p of posted) {
        const viaSm = sm.get(p.token);
        const byId = await nntp.article(p.id);
        expect(byId && viaSm?.ok && byId.equals(viaSm.article)).toBe(true);
        const g = await nntp.group(p.group);
        expect(g).not.toBeNull();
        const [byNumber] = await nntp.articles([g?.high ?? 0]);
        expect(byNumber?.equals(byId ?? Buffer.alloc(0))).toBe(true);
      }
      // catch-up's way: (group, number) → article, every method alike
      const refs = [];
      for (const p of posted)
        refs.push({ group: p.group, number: (await nntp.group(p.group))?.high ?? 0 });
      const fetched = await fetchByNumber(nntp, [
        ...refs,
        { group: "local.test", number: 999_999_999 },
      ]);
      for (const [i, p] of posted.entries()) {
        expect(fetched[i]?.article?.toString("latin1")).toContain(`Message-ID: ${p.id}\r\n`);
      }
      expect(fetched.at(-1)?.article).toBeNull();
      expect(await nntp.article("<no-such-article@newsnotify.test>")).toBeNull();
      expect(await nntp.group("no.such.group.newsnotify")).toBeNull();
    } finally {
      nntp.close();
    }
  });

  it("tradspool and timehash articles are also their own files, found from the token", async () => {
    const map = parseTradspoolMap(readFileSync("/var/spool/news/tradspool.map", "utf8"));
    const sm = await smRead(posted.map((p) => p.token));
    for (const p of posted.filter((x) => x.method === "tradspool" || x.method === "timehash")) {
      const t = parseToken(p.token);
      if (!t.ok) throw new Error(t.reason);
      let path = "";
      if (p.method === "timehash") {
        const d = decodeTimehash(t.value);
        path = d.ok ? `/var/spool/news/articles/${d.value.path}` : "";
      } else {
        const d = decodeTradspool(t.value);
        const g = d.ok ? map.byNumber.get(d.value.groupNumber) : undefined;
        path =
          d.ok && g ? `/var/spool/news/articles/${g.replaceAll(".", "/")}/${d.value.article}` : "";
      }
      const viaSm = sm.get(p.token);
      expect(viaSm?.ok && readFileSync(path).equals(viaSm.article)).toBe(true);
    }
  });
});
