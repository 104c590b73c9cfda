import { expect, test } from "vitest";
import { compileWildmat, splitPatterns, wildmatProblem } from "../../../src/inn/wildmat.js";

// Cases from uwildmat(3) and newsfeeds(5), plus INN's edge cases.
test.each([
  ["*", "news.misc", "match"],
  ["*", "", "match"],
  ["comp.*", "comp.lang.c", "match"],
  ["comp.*", "comp", "fail"],
  ["comp.*,news.*", "news.misc", "match"],
  ["news.*,!news.misc", "news.misc", "fail"],
  ["news.*,!news.misc,*.misc", "news.misc", "match"],
  ["!news.misc", "news.misc", "fail"],
  ["!news.misc", "comp.lang.c", "fail"],
  ["*,!news.misc", "comp.lang.c", "match"],
  ["comp.*,!comp.lang.*", "comp.lang.c", "fail"],
  ["comp.*,!comp.lang.*", "comp.os.linux", "match"],
  ["comp.*,!comp.lang.*,comp.lang.c", "comp.lang.c", "match"],
  ["*,@alt.binaries.*", "alt.binaries.x", "poison"],
  ["*,@alt.binaries.*", "alt.test", "match"],
  ["@alt.*,alt.test", "alt.test", "match"],
  ["a", "a", "match"],
  ["a", "ab", "fail"],
  ["a", "aa", "fail"],
  ["?", "ä", "match"],
  ["??", "ä", "fail"],
  ["de.*.misc", "de.comp.misc", "match"],
  ["[abc].test", "b.test", "match"],
  ["[abc].test", "d.test", "fail"],
  ["[^abc].test", "d.test", "match"],
  ["[^abc].test", "a.test", "fail"],
  ["[a-c]x", "bx", "match"],
  ["[]a]x", "]x", "match"],
  ["[^]-]x", "]x", "fail"],
  ["[^]-]x", "-x", "fail"],
  ["[^]-]x", "ax", "match"],
  ["[a-]x", "-x", "match"],
  ["[m-a]x", "mx", "match"],
  ["[m-a]x", "bx", "fail"],
  ["[ä-ö]", "ö", "match"],
  ["[a,b]x", "bx", "match"],
  ["[a,b]x", ",x", "match"],
  ["a\\,b", "a,b", "match"],
  ["a\\*", "a*", "match"],
  ["a\\*", "ab", "fail"],
  ["[\\]", "\\", "match"],
  ["local.test.", "local.test.", "match"],
  ["a.b", "axb", "fail"],
  ["a*b*c", "aXbYc", "match"],
  ["a*b*c", "aXbY", "fail"],
  ["!*", "x", "fail"],
  ["x[", "x[", "fail"],
  ["", "", "match"],
  ["", "x", "fail"],
])("%j on %j → %s", (expr, text, expected) => {
  expect(compileWildmat(expr).test(text)).toBe(expected);
});

test.each([
  ["a,b,c", ["a", "b", "c"]],
  ["a\\,b,c", ["a\\,b", "c"]],
  ["[,]x,y", ["[,]x", "y"]],
  ["[],]x,y", ["[],]x", "y"]],
  ["[^],]x,y", ["[^],]x", "y"]],
  ["a\\\\,b", ["a\\\\", "b"]],
])("splitPatterns(%j)", (expr, expected) => {
  expect(splitPatterns(expr)).toEqual(expected);
});

test.each([
  ["comp.*,!comp.lang.*", undefined],
  ["*,@alt.binaries.*", undefined],
  ["", /expected a wildmat/],
  ["comp.*,", /empty pattern/],
  ["comp.[ab", /malformed pattern "comp.\[ab"/],
  ["comp\\", /malformed pattern/],
])("wildmatProblem(%j)", (expr, expected) => {
  const problem = wildmatProblem(expr);
  if (expected === undefined) expect(problem).toBeUndefined();
  else expect(problem).toMatch(expected);
});
