import { expect, test } from "vitest";
import { printable } from "../../../src/util/printable.js";

test.each([
  ["zero-width space", "a\u200bb", "a\\u200bb"],
  ["zero-width non-joiner", "a\u200cb", "a\\u200cb"],
  ["a joiner outside an emoji", "a\u200db", "a\\u200db"],
  ["left-to-right mark", "a\u200eb", "a\\u200eb"],
  ["word joiner", "a\u2060b", "a\\u2060b"],
  ["BOM", "\ufeffSubject", "\\ufeffSubject"],
  ["soft hyphen", "pay\u00adpal", "pay\\xadpal"],
  ["Arabic letter mark", "a\u061cb", "a\\u061cb"],
  ["right-to-left override", "a\u202eb", "a\\u202eb"],
  ["escape", "a\u001b[31mb", "a\\x1b[31mb"],
])("%s is shown escaped", (_n, text, shown) => {
  expect(printable(text)).toBe(shown);
});

test("an emoji sequence joined by ZWJ stays whole; text stays as it is", () => {
  expect(printable("👨‍👩‍👧 family, 👩🏽‍💻 at work")).toBe("👨‍👩‍👧 family, 👩🏽‍💻 at work");
  expect(printable("Grüße, 日本語, tab\there")).toBe("Grüße, 日本語, tab here");
});
