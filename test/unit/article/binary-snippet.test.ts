/** Issue 22: the snippet of a big unlabelled 8-bit body (a yEnc binary) decodes a prefix, not the body. */
import { describe, expect, it } from "vitest";
import { parseArticle, parseArticleViaMime } from "../../../src/article/parse.js";

const OPTS = { path: "/spool/alt/binaries/x/1", group: "alt.binaries.x", number: 1 };

/** A wire-format article: header, then `lines` body lines made of `line`. */
function wire(line: string, lines: number, first = "=ybegin line=128 size=1 name=x.bin"): Buffer {
  const head = "Message-ID: <bin@x>\r\nNewsgroups: alt.binaries.x\r\nSubject: x.bin\r\n\r\n";
  return Buffer.from(`${head}${first}\r\n${`${line}\r\n`.repeat(lines)}=yend\r\n.\r\n`, "latin1");
}

/**
 * The size of every Buffer of more than `min` bytes turned into a string while `fn` runs (negative:
 * through a TextDecoder).
 */
function bigDecodes(min: number, fn: () => void): number[] {
  const sizes: number[] = [];
  const buffer = Buffer.prototype as unknown as { toString(this: Buffer, ...a: unknown[]): string };
  const decoder = TextDecoder.prototype as unknown as {
    decode(this: unknown, input?: Uint8Array, ...a: unknown[]): string;
  };
  const toText = buffer.toString;
  const { decode } = decoder;
  buffer.toString = function (this: Buffer, ...args: unknown[]) {
    if (this.length > min) sizes.push(this.length);
    return toText.apply(this, args);
  };
  decoder.decode = function (this: unknown, input?: Uint8Array, ...args: unknown[]) {
    if (input && input.byteLength > min) sizes.push(-input.byteLength);
    return decode.call(this, input, ...args);
  };
  try {
    fn();
  } finally {
    buffer.toString = toText;
    decoder.decode = decode;
  }
  return sizes;
}

describe("the snippet of a binary", () => {
  it.each([
    ["8-bit bytes (invalid UTF-8) from the first line", "\xe9\xff\x80".repeat(42), false],
    ["valid UTF-8 first, invalid 8-bit bytes only far down", "caf\xc3\xa9 ".repeat(20), true],
    ["valid UTF-8 throughout", "caf\xc3\xa9 ".repeat(20), false],
  ])(
    "%s: the same snippet as the whole decode, and the body decoded only in its prefix",
    (_name, line, badTail) => {
      const body = Array.from({ length: 4000 }, () => line);
      if (badTail) body.push("\xff\xfe bad");
      const text = `=ybegin\r\n${body.join("\r\n")}\r\n`;
      const article = Buffer.from(
        `Message-ID: <bin@x>\r\nNewsgroups: alt.binaries.x\r\nSubject: x.bin\r\n\r\n${text}.\r\n`,
        "latin1",
      );
      const expected = parseArticleViaMime(article, { ...OPTS, snippetChars: 300 }).snippet;
      let snippet = "";
      // The article's one latin1 split (articleLines) is the only string as big as the article.
      const big = bigDecodes(64 * 1024, () => {
        snippet = parseArticle(article, { ...OPTS, snippetChars: 300 }).snippet;
      });
      expect(snippet).toBe(expected);
      expect(big).toEqual([article.length]);
    },
  );

  it("a 1 MB yEnc-like post: one article-sized string, no body-sized decode", () => {
    const raw = wire("\xe9\xff\x80\x81".repeat(32), 8000);
    const big = bigDecodes(64 * 1024, () => {
      parseArticle(raw, { ...OPTS, snippetChars: 300 });
    });
    expect(big).toEqual([raw.length]);
  });
});
