import { describe, expect, it } from "vitest";
import { decodeWords } from "../../../src/article/rfc2047.js";

describe("decodeWords", () => {
  it.each([
    ["plain text untouched", "no words = here ?=", "no words = here ?="],
    ["B, UTF-8", "=?UTF-8?B?R3LDvMOfZQ==?=", "Grüße"],
    ["Q, ISO-8859-1, underscore is a space", "=?ISO-8859-1?Q?Caf=E9_cr=E8me?=", "Café crème"],
    ["lowercase b/q and charset", "=?utf-8?q?=C3=A9?=", "é"],
    ["adjacent words lose the whitespace between", "=?utf-8?q?a?=  \t =?utf-8?q?b?=", "ab"],
    ["words and text keep their whitespace", "x =?utf-8?q?a?= y =?utf-8?q?b?= z", "x a y b z"],
    [
      "adjacent words in different charsets",
      "=?iso-8859-1?q?=E9?= =?koi8-r?b?8NLJ18XU?=",
      "éПривет",
    ],
    ["multibyte character split across words", "=?UTF-8?B?w6nD?= =?UTF-8?B?qQ==?=", "éé"],
    ["RFC 2231 language suffix", "=?UTF-8*en?Q?hello?=", "hello"],
    ["windows-1252 smart quotes", "=?windows-1252?Q?=93q=94?=", "“q”"],
    ["unknown charset: UTF-8 with replacement", "=?x-bogus?Q?caf=E9?=", "caf\ufffd"],
    ["empty word", "a =?utf-8?q??= b", "a  b"],
  ])("%s", (_, input, expected) => {
    expect(decodeWords(input)).toBe(expected);
  });
});
