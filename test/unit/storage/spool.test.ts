import { describe, expect, it } from "vitest";
import { deepestGroup, parseActive, resolveShortfall } from "../../../src/inn/active.js";
import { locateArticle } from "../../../src/storage/tradspool.js";

const SPOOL = "/var/spool/news/articles";

describe("locateArticle", () => {
  it.each([
    ["/var/spool/news/articles/local/test/1", { group: "local.test", number: 1 }],
    ["/var/spool/news/articles/a/b/c/d/e/f/g/h/i/12", { group: "a.b.c.d.e.f.g.h.i", number: 12 }],
    ["/var/spool/news/articles/comp/lang/c++/7", { group: "comp.lang.c++", number: 7 }],
    ["/var/spool/news/articles//local/test/./2", { group: "local.test", number: 2 }],
    ["/var/spool/news/articles/local/test/../test/3", { group: "local.test", number: 3 }],
    ["/var/spool/news/articles/1", null],
    ["/var/spool/news/articles/local/test/.overview", null],
    ["/var/spool/news/articles/local/test/0", null],
    ["/var/spool/news/articles/local/test/12a", null],
    ["/var/spool/news/articlesX/local/1", null],
    ["/var/spool/news/articles/../outgoing/1", null],
    ["/var/lib/news/history", null],
    ["/var/spool/news/articles/local/te.st/4", null],
  ])("%s", (path, want) => {
    expect(locateArticle(path, SPOOL)).toEqual(want);
  });
});

const ACTIVE = `control 0000000000 0000000001 n
junk 0000000000 0000000001 n
local.test 0000000002 0000000001 y
a.b.c.d.e.f.g.h.i 0000000001 0000000001 y
x.y.c.d.e.f.g.h.i 0000000001 0000000001 y
broken-line
`;

describe("active file", () => {
  const groups = parseActive(ACTIVE);
  it("parses groups and skips malformed lines", () => {
    expect(groups.map((g) => g.name)).toEqual([
      "control",
      "junk",
      "local.test",
      "a.b.c.d.e.f.g.h.i",
      "x.y.c.d.e.f.g.h.i",
    ]);
    expect(groups[2]).toEqual({ name: "local.test", high: 2, low: 1, flag: "y" });
  });
  it("finds the deepest group", () => {
    expect(deepestGroup(groups)).toBe(9);
    expect(deepestGroup([])).toBe(1);
  });
  it.each([
    ["unique tail", ["test", "3"], `${SPOOL}/local/test/3`],
    ["tail shared by two groups", ["h", "i", "3"], null],
    [
      "tail long enough to tell them apart",
      ["b", "c", "d", "e", "f", "g", "h", "i", "3"],
      `${SPOOL}/a/b/c/d/e/f/g/h/i/3`,
    ],
    [
      "tail reaching into the spool path",
      ["articles", "a", "b", "c", "d", "e", "f", "g", "h", "i", "3"],
      `${SPOOL}/a/b/c/d/e/f/g/h/i/3`,
    ],
    ["not an article number", ["test", "x"], null],
    ["no such group", ["nope", "1"], null],
  ])("resolveShortfall: %s", (_name, tail, want) => {
    expect(resolveShortfall(SPOOL, tail, groups)).toBe(want);
  });
});
