import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseTradspoolMap } from "../../../src/inn/tradspool-map.js";
import { methodOfType } from "../../../src/storage/registry.js";
import {
  decodeCnfs,
  decodeTimecaf,
  decodeTimehash,
  decodeTradspool,
  parseToken,
  type Token,
  timehashPathToken,
  tokenText,
  unreadableType,
} from "../../../src/storage/token.js";

const dir = new URL("../../../fixtures/tokens/", import.meta.url);
const SPOOL = "/var/spool/news/articles";

/** Real tokens from innd (scripts/capture-storage-fixtures.sh), with INN's own `sm -c`/`sm -i`. */
const captured = readFileSync(new URL("tokens.tsv", dir), "utf8")
  .trim()
  .split("\n")
  .slice(1)
  .map((line) => {
    const [name, newsgroups, messageId, token, smC, smI] = line.split("\t") as string[];
    const explain = Object.fromEntries(
      [...(smC ?? "").matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]]),
    ) as Record<string, string>;
    const [group, number] = (smI ?? "").split(": ");
    return {
      name,
      newsgroups,
      messageId,
      token: token as string,
      explain,
      group,
      number: Number(number),
    };
  });
const map = parseTradspoolMap(readFileSync(new URL("tradspool.map", dir), "utf8"));

function tok(text: string): Token {
  const r = parseToken(text);
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

describe("real tokens captured from innd", () => {
  it("covers all four methods", () => {
    expect(new Set(captured.map((c) => c.explain.method))).toEqual(
      new Set(["tradspool", "timehash", "timecaf", "cnfs"]),
    );
  });

  it.each(captured.map((c) => [`${c.name} ${c.token}`, c] as const))("%s", (_, c) => {
    const t = tok(c.token);
    expect(tokenText(Buffer.from(c.token.slice(1, -1), "hex"))).toBe(c.token);
    expect(methodOfType(t.type)?.name).toBe(c.explain.method);
    expect(t.class).toBe(Number(c.explain.class));
    const file = c.explain.file ?? "";
    switch (c.explain.method) {
      case "timehash": {
        const d = decodeTimehash(t);
        expect(d.ok && `${SPOOL}/${d.value.path}`).toBe(file);
        expect(d.ok && d.value.arrived).toBe(Number(c.explain.time));
        expect(d.ok && d.value.seq).toBe(Number(c.explain.seqnum));
        // and back: the path innd created → the same token (the file-creation sources need this)
        const back = timehashPathToken(file.slice(SPOOL.length + 1));
        expect(back.ok && back.value.text).toBe(c.token);
        break;
      }
      case "timecaf": {
        const d = decodeTimecaf(t);
        expect(d.ok && `${SPOOL}/${d.value.path}`).toBe(file);
        expect(d.ok && d.value.slot * 256).toBe(Number(c.explain.time));
        expect(d.ok && d.value.article).toBe(Number(c.explain.seqnum));
        break;
      }
      case "cnfs": {
        const d = decodeCnfs(t);
        expect(d.ok && d.value).toEqual({
          cycbuff: c.explain.buffer,
          block: Number(c.explain.block),
          cycle: Number(c.explain.cycnum),
        });
        break;
      }
      case "tradspool": {
        const d = decodeTradspool(t);
        if (!d.ok) throw new Error(d.reason);
        // sm -c prints artnum=0 for x86-64 tokens (an INN bug); its file= and sm -i are right.
        expect(d.value.groupNumber).toBe(Number(c.explain.ngnum));
        const group = map.byNumber.get(d.value.groupNumber);
        expect(group).toBe(c.group);
        expect(d.value.article).toBe(c.number);
        expect(`${SPOOL}/${group?.replaceAll(".", "/")}/${d.value.article}`).toBe(file);
        break;
      }
    }
  });

  it("a crosspost is stored by the first storage.conf entry any of its groups matches", () => {
    const c = captured.find((x) => x.name === "crosspost-tradspool-first");
    expect(c?.newsgroups).toBe("local.test,th.test");
    expect(c?.explain.method).toBe("timehash");
  });
});

describe("tradspool layouts", () => {
  const t = (hex: string) => tok(`@0500${hex}@`);
  it.each([
    ["64-bit little-endian (x86-64)", "0000000800000000000000040000000000", 8, 4],
    ["64-bit big-endian", "0000000000000008000000000000000400", 8, 4],
    ["32-bit", "0000000800000004000000000000000000", 8, 4],
  ])("%s", (_, hex, groupNumber, article) => {
    expect(decodeTradspool(t(hex.slice(0, 32)))).toEqual({
      ok: true,
      value: { groupNumber, article },
    });
  });
  it.each([
    ["all zero", "00000000000000000000000000000000"],
    ["article 0", "00000008000000000000000000000000"],
    ["every word set", "00000008000000010000000400000001"],
  ])("rejects %s", (_, hex) => {
    const d = decodeTradspool(t(hex));
    expect(d.ok).toBe(false);
    expect(!d.ok && d.reason).toMatch(/tradspool token/);
  });
});

describe("bad tokens", () => {
  it.each([
    ["", /0 characters long/],
    ["@02016B0F4680000000000000000000000000", /37 characters long/],
    ["#02016B0F4680000000000000000000000000#", /start and end with @/],
    ["@02016b0f4680000000000000000000000000@", /lower-case/],
    ["@02016B0F4680000000000000000000000G00@", /other than hex/],
    ["@02016B0F4680000000000000000000000@00@", /other than hex/],
    [`@${"0".repeat(200)}@`, /202 characters long/],
    ["@0201\n6B0F468000000000000000000000000@", /other than hex/],
  ])("%j", (text, why) => {
    const r = parseToken(text);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(why);
    expect(!r.ok && r.reason.length).toBeLessThan(200);
  });

  it("names the types that have nothing to read", () => {
    expect(methodOfType(0)).toBeUndefined();
    expect(unreadableType(0)).toMatch(/trash/);
    expect(unreadableType(255)).toMatch(/empty/);
    expect(unreadableType(7)).toMatch(/type 7/);
  });

  it("a decoder refuses another method's token", () => {
    const cnfs = tok("@03034E4E4532450000000000000400000001@");
    expect(decodeTimehash(cnfs).ok).toBe(false);
    expect(decodeTimecaf(cnfs).ok).toBe(false);
    expect(decodeTradspool(cnfs).ok).toBe(false);
    expect(decodeCnfs(cnfs).ok).toBe(true);
  });

  it.each([
    ["no name", "@0303000000000000000000000004" + "00000001@"],
    ["bytes after the name's NUL", "@03034E4E004500000000000000040000" + "0001@"],
    ["a control byte in the name", "@03034E0A453245000000000000040000" + "0001@"],
  ])("CNFS: %s", (_, text) => {
    const t = tok(text);
    expect(decodeCnfs(t).ok).toBe(false);
  });

  it("timecaf article 0 and non-timehash paths", () => {
    expect(decodeTimecaf(tok("@0402006B0F46000000000000000000000000@")).ok).toBe(false);
    for (const p of ["time-01/0f/46/0000-6b8", "time-01/0f/46/0000-6b80/x", "local/test/1"]) {
      expect(timehashPathToken(p).ok).toBe(false);
    }
  });
});
