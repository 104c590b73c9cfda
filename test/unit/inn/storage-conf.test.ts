import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type ArticleForStorage,
  matchGroups,
  parseStorageConf,
  parseTime,
  type StorageClass,
  storingClass,
} from "../../../src/inn/storage-conf.js";
import { compileWildmat } from "../../../src/inn/wildmat.js";

const fixture = (p: string) =>
  readFileSync(new URL(`../../../fixtures/${p}`, import.meta.url), "utf8");
const wildmat = (text: string, pattern: string) => compileWildmat(pattern).test(text);

function classes(text: string): StorageClass[] {
  const r = parseStorageConf(text);
  if (!r.ok) throw new Error(r.problem);
  return r.classes;
}

const art = (groups: string[], size = 1000, expires = 0): ArticleForStorage => ({
  groups,
  size,
  expires,
});

describe("parseStorageConf", () => {
  it("Debian's default file: one tradspool class for everything", () => {
    expect(classes(fixture("inn/storage.conf.debian"))).toEqual([
      {
        method: "tradspool",
        newsgroups: "*",
        class: 0,
        size: { min: 0, max: 0 },
        expires: { min: 0, max: 0 },
        options: null,
        exactmatch: false,
        line: expect.any(Number),
      },
    ]);
  });

  it("the file the real innd stored the captured tokens with", () => {
    expect(
      classes(fixture("tokens/storage.conf")).map((c) => [
        c.method,
        c.newsgroups,
        c.class,
        c.options,
      ]),
    ).toEqual([
      ["timehash", "th.*", 1, null],
      ["timecaf", "tc.*", 2, null],
      ["cnfs", "cn.*", 3, "NNE2ECC"],
      ["tradspool", "*", 0, null],
    ]);
  });

  it("every key, quotes, comments and odd spacing", () => {
    const text = `# comment
method CNFS {   # trailing comment
\tnewsgroups: "alt.*,!alt.bin*,@alt.binaries.warez.*"
  class: 7
  size: 4096,65536
  expires: 1d2h,1M
  options: SMALL
  exactmatch: Yes
}
method trash { newsgroups: junk#not-a-comment-part
}
method timehash { newsgroups: a\\#b class:   12   }
`;
    const c = classes(text);
    expect(c[0]).toEqual({
      method: "cnfs",
      newsgroups: "alt.*,!alt.bin*,@alt.binaries.warez.*",
      class: 7,
      size: { min: 4096, max: 65536 },
      expires: { min: 86400 + 7200, max: 31 * 86400 },
      options: "SMALL",
      exactmatch: true,
      line: 2,
    });
    expect(c[1]).toMatchObject({ method: "trash", newsgroups: "junk" });
    expect(c[2]).toMatchObject({ method: "timehash", newsgroups: "a\\#b", class: 12 });
  });

  it.each([
    ["tradspool { newsgroups: * }", /line 1: expected 'method'/],
    ["method tradspool newsgroups: * }", /expected '\{'/],
    ["method tradspool {\n newsgroups: *\n", /no closing '\}'/],
    ["method tradspool { class: 1 }", /no newsgroups: pattern/],
    ["method spool { newsgroups: * }", /no storage method is named "spool"/],
    ["method tradspool {\n  group: *\n}", /line 2: unknown keyword "group:"/],
    ['method tradspool { newsgroups: "a b', /unterminated quoted value/],
    ["method tradspool { newsgroups: * class: 300 }", /class 300 is over 256/],
    ["method tradspool { newsgroups:", /has no value/],
  ])("refuses %j", (text, why) => {
    const r = parseStorageConf(text);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problem).toMatch(why);
  });

  it.each([
    ["", 0],
    ["90", 0],
    ["2d", 172800],
    ["1M", 2678400],
    ["1h30m", 5400],
    ["10s5x", 0],
  ])("parseTime(%j) = %d (INN's ParseTime, a bare number is 0)", (s, want) => {
    expect(parseTime(s)).toBe(want);
  });
});

describe("storingClass: the class innd stores an article with", () => {
  const real = classes(fixture("tokens/storage.conf"));
  const captured = fixture("tokens/tokens.tsv")
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => l.split("\t"));

  it.each(captured.map((c) => [c[0], c[1], c[4]] as const))(
    "%s (%s) as the real innd did",
    (_, newsgroups, smC) => {
      const method = /method=(\w+)/.exec(smC ?? "")?.[1];
      expect(storingClass(real, art((newsgroups ?? "").split(",")), wildmat)?.method).toBe(method);
    },
  );

  it("the first matching entry wins, not the first group", () => {
    expect(storingClass(real, art(["local.test", "th.test"]), wildmat)?.method).toBe("timehash");
    expect(storingClass(real, art(["local.test:4", "cn.test:7"]), wildmat)?.method).toBe("cnfs");
  });

  const conf = classes(`
method cnfs { newsgroups: alt.*,@alt.warez.* class: 1 size: 0,4096 }
method timecaf { newsgroups: comp.* class: 2 exactmatch: true }
method timehash { newsgroups: * class: 3 expires: 10d }
method trash { newsgroups: junk class: 4 }
`);

  it.each([
    [["alt.test"], 1000, 0, "cnfs"],
    [["alt.test"], 5000, 0, null],
    [["alt.test", "alt.warez.x"], 1000, 0, null],
    [["comp.lang.c", "comp.lang.ts"], 1000, 0, "timecaf"],
    [["comp.lang.c", "misc.test"], 1000, 0, null],
    [["misc.test"], 1000, 1_900_000_000, "timehash"],
    [["junk"], 1000, 0, "trash"],
    [[], 1000, 0, null],
  ] as const)("%j size %d expires %d → %s", (groups, size, expires, method) => {
    expect(storingClass(conf, art([...groups], size, expires), wildmat)?.method ?? null).toBe(
      method,
    );
  });

  it("matchGroups splits INN's way (spaces, commas, group:number)", () => {
    expect(matchGroups(["a.b:1 c.d:2"], "c.*", false, wildmat)).toBe(true);
    expect(matchGroups(["a.b,\r\n c.d"], "a.*", true, wildmat)).toBe(false);
    expect(matchGroups(["a.b, a.c"], "a.*", true, wildmat)).toBe(true);
  });
});
