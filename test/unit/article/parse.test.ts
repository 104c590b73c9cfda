import { describe, expect, it } from "vitest";
import { ArticleParseError, parseArticle } from "../../../src/article/parse.js";

const opts = { path: "/var/spool/news/articles/local/test/1", group: "local.test", number: 1 };
const wire = (lines: string[]) => Buffer.from(`${lines.join("\r\n")}\r\n.\r\n`, "latin1");
const lf = (lines: string[]) => Buffer.from(`${lines.join("\n")}\n`, "latin1");
const parse = (raw: Buffer, more = {}) => parseArticle(raw, { ...opts, ...more });

describe("parseArticle refuses what is not an article", () => {
  it.each([
    ["empty file", Buffer.alloc(0), "empty article"],
    ["no header before the body", lf(["", "just a body"]), "no header before the body"],
    ["no Message-ID", wire(["Subject: hi", "", "body"]), "no Message-ID header"],
    ["not a header at all", lf(["hello world", "this is no article"]), "no Message-ID header"],
    ["blank Message-ID", lf(["Message-ID:  ", "", "x"]), "unusable Message-ID header"],
  ])("%s", (_, raw, reason) => {
    const error = (() => {
      try {
        parse(raw);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ArticleParseError);
    expect((error as ArticleParseError).reason).toContain(reason);
  });
});

describe("parseArticle edge cases", () => {
  it.each([
    [
      "headers only, no blank line (wire)",
      wire(["Message-ID: <a@b>", "Subject: s"]),
      { messageId: "<a@b>", subject: "s", snippet: "" },
    ],
    [
      "headers only, no final newline (not wire)",
      Buffer.from("Message-ID: <a@b>", "latin1"),
      { messageId: "<a@b>", snippet: "" },
    ],
    [
      "not wire format: dots and CR left alone",
      lf(["Message-ID: <a@b>", "", "..two", "."]),
      { snippet: "..two\n." },
    ],
    [
      "header names are case-insensitive",
      wire(["MESSAGE-id: <a@b>", "subJECT: s", "FROM: x@y", "", "b"]),
      { messageId: "<a@b>", subject: "s", from: { name: "", address: "x@y" } },
    ],
    [
      "folded headers are unfolded",
      wire(["Message-ID: <a@b>", "Subject: one", "\ttwo", "References: <1@x>", "  <2@x>", "", ""]),
      { subject: "one\ttwo", references: ["<1@x>", "<2@x>"] },
    ],
    ["bare Message-ID gets brackets", wire(["Message-ID: a@b", "", ""]), { messageId: "<a@b>" }],
    [
      "Newsgroups trimmed, empty names removed",
      wire(["Message-ID: <a@b>", "Newsgroups: a.b , c.d,,", "", ""]),
      { newsgroups: ["a.b", "c.d"] },
    ],
    [
      "missing fields",
      wire(["Message-ID: <a@b>", "", ""]),
      {
        newsgroups: [],
        from: { name: "", address: "" },
        subject: "",
        date: null,
        xref: [],
        references: [],
        control: null,
        organization: null,
        userAgent: null,
      },
    ],
    [
      "X-Newsreader stands in for User-Agent",
      wire(["Message-ID: <a@b>", "X-Newsreader: Forte Agent 1.93", "", ""]),
      { userAgent: "Forte Agent 1.93" },
    ],
    [
      "unknown charset: UTF-8 with replacement",
      wire([
        "Message-ID: <a@b>",
        "Subject: =?x-unknown?q?caf=E9?=",
        "Content-Type: text/plain; charset=x-unknown",
        "",
        "caf\xe9 ok",
      ]),
      { subject: "caf\ufffd", snippet: "caf\ufffd ok" },
    ],
    [
      "us-ascii with 8-bit bytes is guessed",
      wire(["Message-ID: <a@b>", "Content-Type: text/plain; charset=us-ascii", "", "caf\xc3\xa9"]),
      { snippet: "café" },
    ],
    [
      "base64 windows-1252 (emailjs-mime-parser alone loses the quotes)",
      wire([
        "Message-ID: <a@b>",
        "Content-Type: text/plain; charset=windows-1252",
        "Content-Transfer-Encoding: base64",
        "",
        Buffer.from("\x93hi\x94 caf\xe9", "latin1").toString("base64"),
      ]),
      { snippet: "“hi” café" },
    ],
    [
      "text/plain attachment skipped for the inline html",
      wire([
        "Message-ID: <a@b>",
        'Content-Type: multipart/mixed; boundary="b"',
        "",
        "--b",
        "Content-Type: text/plain",
        "Content-Disposition: attachment; filename=notes.txt",
        "",
        "attached notes",
        "--b",
        "Content-Type: text/html",
        "",
        "<p>inline</p>",
        "--b--",
      ]),
      { snippet: "inline" },
    ],
    [
      "multipart cut short (no closing boundary) still has text",
      wire([
        "Message-ID: <a@b>",
        'Content-Type: multipart/alternative; boundary="b"',
        "",
        "--b",
        "",
        "part without a header is text/plain",
      ]),
      { snippet: "part without a header is text/plain" },
    ],
  ])("%s", (_, raw, expected) => {
    expect(parse(raw)).toMatchObject(expected);
  });

  it("passes the caller's facts through", () => {
    const article = parse(wire(["Message-ID: <a@b>", "", "0123456789"]), {
      snippetChars: 4,
      truncated: true,
      bytes: 123_456,
    });
    expect(article).toMatchObject({ ...opts, snippet: "0123", truncated: true, bytes: 123_456 });
  });

  it("survives more MIME parts than the parser allows", () => {
    const parts = Array.from({ length: 1200 }, (_, i) => ["--b", "", `part ${i}`]).flat();
    const raw = wire([
      "Message-ID: <a@b>",
      'Content-Type: multipart/mixed; boundary="b"',
      "",
      ...parts,
    ]);
    expect(parse(raw).snippet).toBe("part 0");
  });
});
