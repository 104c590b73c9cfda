import { describe, expect, it } from "vitest";
import { decodeCharset, decodeUnlabelled } from "../../../src/article/charset.js";

const bytes = (s: string) => Buffer.from(s, "latin1");

describe("decodeCharset", () => {
  it.each([
    ["windows-1252", "\x80\x93\x94\x97\x99\x9f\x81", "€“”—™Ÿ\u0081"],
    ["ISO-8859-1", "\x93caf\xe9\x94", "“café”"], // WHATWG: latin1 labels mean windows-1252
    ["latin1", "\xe9", "é"],
    ["iso-8859-15", "\xa4", "€"],
    ["koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4", "Привет"],
    ["shift_jis", "\x83\x65\x83\x58\x83\x67", "テスト"],
    ["utf-8", "caf\xc3\xa9 \xff", "café \ufffd"],
    [" UTF-8 ", "\xc3\xa9", "é"],
    ["x-unknown", "caf\xe9", "caf\ufffd"],
    [undefined, "caf\xc3\xa9", "café"],
    ["us-ascii", "caf\xe9", "café"],
  ])("%s", (charset, input, expected) => {
    expect(decodeCharset(bytes(input), charset)).toBe(expected);
  });
});

describe("decodeUnlabelled", () => {
  it.each([
    ["ASCII", "plain", "plain"],
    ["valid UTF-8", "Gr\xc3\xbc\xc3\x9fe \xf0\x9f\x8e\x89", "Grüße 🎉"],
    ["not UTF-8: windows-1252", "Caf\xe9 \x93q\x94", "Café “q”"],
  ])("%s", (_, input, expected) => {
    expect(decodeUnlabelled(bytes(input))).toBe(expected);
  });
});
