import { describe, expect, test } from "vitest";
import {
  breakMentions,
  htmlEscape,
  markdownEscape,
  slackEscape,
} from "../../../src/notify/format/escape.js";
import { articleFields, readableDate } from "../../../src/notify/format/fields.js";
import { encode, isWebLink, renderLink } from "../../../src/notify/format/link.js";
import {
  type FieldValues,
  parseTemplate,
  render,
  templateProblem,
} from "../../../src/notify/format/template.js";
import { clean, truncate, utf8Bytes } from "../../../src/notify/format/text.js";
import { makeArticle } from "./article-factory.js";

describe("truncate", () => {
  test.each([
    ["short", 10, undefined, "short"],
    ["exactly10!", 10, undefined, "exactly10!"],
    ["hello world", 8, undefined, "hello w…"],
    ["hello world", 7, undefined, "hello…"],
    // A surrogate pair (😀 is 2 UTF-16 units) is never split.
    ["ab😀cd", 4, undefined, "ab…"],
    ["ab😀cd", 5, undefined, "ab😀…"],
    // A family emoji (one grapheme of 7 code points) stays whole.
    ["x👨‍👩‍👧y", 5, undefined, "x…"],
    // A combining accent stays with its letter.
    ["cafe\u0301s", 5, undefined, "caf…"],
    // Bytes: "ä" is 2 bytes, "…" 3.
    ["äää", 5, utf8Bytes, "ä…"],
    ["äää", 6, utf8Bytes, "äää"],
    ["x", 0, undefined, ""],
  ])("truncate(%j, %i)", (text, max, measure, expected) => {
    const out = truncate(text, max, measure);
    expect(out).toBe(expected);
    expect((measure ?? ((s: string) => s.length))(out)).toBeLessThanOrEqual(max);
  });
});

test.each([
  ["a\u001b[31mb", false, "a[31mb"],
  ["line1\r\nline2\rline3", true, "line1\nline2\nline3"],
  ["line1\nline2", false, "line1 line2"],
  ["tab\there", false, "tab here"],
  ["bidi\u202espoof", false, "bidispoof"],
  ["nul\u0000del\u007fc1\u0085", false, "nuldelc1"],
  ["  padded  ", false, "padded"],
])("clean(%j, multiline %s)", (text, multiline, expected) => {
  expect(clean(text, multiline)).toBe(expected);
});

test.each([
  [slackEscape, "<!channel> & <http://x|y>", "&lt;!channel&gt; &amp; &lt;http://x|y&gt;"],
  [slackEscape, "&amp;", "&amp;amp;"],
  [htmlEscape, `<a href="x">'&'</a>`, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"],
  [markdownEscape, "[x](http://evil)", "\\[x\\]\\(http\\://evil\\)"],
  [
    markdownEscape,
    "**b** `c` ~~s~~ ||sp|| > q",
    "\\*\\*b\\*\\* \\`c\\` \\~\\~s\\~\\~ \\|\\|sp\\|\\| \\> q",
  ],
  [markdownEscape, "<@123> # h", "\\<@123\\> \\# h"],
  [markdownEscape, "a\\b", "a\\\\b"],
])("%o(%j)", (escapeText, text, expected) => {
  expect(escapeText(text)).toBe(expected);
});

test.each([
  [
    "@everyone @here @channel a@b.c",
    undefined,
    "@\u200beveryone @\u200bhere @\u200bchannel a@\u200bb.c",
  ],
  [
    "@everyone @here @everyones mail@here.net",
    ["everyone", "here"],
    "@\u200beveryone @\u200bhere @everyones mail@\u200bhere.net",
  ],
  ["@Room @room", ["room"], "@\u200bRoom @\u200broom"],
  ["a @ b", undefined, "a @ b"],
])("breakMentions(%j, %j)", (text, words, expected) => {
  expect(breakMentions(text, words)).toBe(expected);
});

describe("templates", () => {
  const values: FieldValues = {
    ...articleFields(makeArticle({ subject: "Subj" }), "news:{messageIdBare}"),
    snippet: "0123456789".repeat(10),
  };
  const id = (v: string) => v;

  test.each([
    ["{subject}!", "Subj!"],
    ["{{literal}} {subject}", "{literal} Subj"],
    ["}}", "}"],
    ["no fields", "no fields"],
  ])("render(%j)", (template, expected) => {
    expect(render(template, values, { escape: id })).toBe(expected);
  });

  test.each([
    ["{subjet}", /unknown field \{subjet\} \(fields: \{subject\}/],
    ["{Subject}", /did you mean \{subject\}\?/],
    ["{subject", /unclosed "\{"/],
    ["a } b", /stray "\}"/],
    ["{subject} {link}", undefined],
  ])("templateProblem(%j)", (template, expected) => {
    const problem = templateProblem(template);
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });

  test("the escape applies to values only, never to the template's own text", () => {
    const v = { ...values, subject: "<b>" };
    expect(render("<i>{subject}</i>", v, { escape: htmlEscape })).toBe("<i>&lt;b&gt;</i>");
  });

  test("too long: the snippet is shortened first, the markup stays whole", () => {
    const out = render("*{subject}*\n{snippet}\n<{link}|x>", values, { escape: id, limit: 60 });
    expect(out.length).toBeLessThanOrEqual(60);
    expect(out).toMatch(/^\*Subj\*\n0123456789.*…\n<news:.*\|x>$/);
  });

  test("an escaped value is shortened so that its escaped form fits", () => {
    const v = { ...values, snippet: "<".repeat(100) };
    const out = render("{snippet}", v, { escape: slackEscape, limit: 20 });
    expect(out).toBe("&lt;&lt;&lt;&lt;…");
  });

  test("when the snippet cannot fit at all, the subject is shortened next", () => {
    const v = { ...values, subject: "S".repeat(50) };
    const out = render("{subject}|{snippet}", v, { escape: id, limit: 20 });
    expect(out).toBe(`${"S".repeat(18)}…|`);
  });

  test("a template longer than the limit by itself is cut as a whole", () => {
    expect(render("x".repeat(30), values, { escape: id, limit: 10 })).toBe(`${"x".repeat(9)}…`);
  });

  test("parseTemplate with a restricted field list", () => {
    expect(() => parseTemplate("{snippet}", ["messageId"])).toThrow(/unknown field \{snippet\}/);
  });
});

describe("links", () => {
  const a = makeArticle({
    messageId: "<a/b?c#d (x)@example.net>",
    group: "de.comp.os",
    number: 42,
  });

  test.each([
    ["news:{messageIdBare}", "news:a%2Fb%3Fc%23d%20%28x%29%40example.net"],
    [
      "news://news.example.net/{messageId}",
      "news://news.example.net/%3Ca%2Fb%3Fc%23d%20%28x%29%40example.net%3E",
    ],
    [
      "https://archive.example/{messageIdEncoded}",
      "https://archive.example/a%2Fb%3Fc%23d%20%28x%29%40example.net",
    ],
    ["https://web.example/{group}/{number}", "https://web.example/de.comp.os/42"],
  ])("renderLink(%j)", (pattern, expected) => {
    expect(renderLink(pattern, a)).toBe(expected);
  });

  test.each([
    ["https://x.example/a", true],
    ["http://127.0.0.1:8080/", true],
    ["news:abc@x", false],
    ["javascript:alert(1)", false],
    ["https://x.example/a b", false],
  ])("isWebLink(%j) = %s", (link, expected) => {
    expect(isWebLink(link)).toBe(expected);
  });

  test("encode also covers the characters Markdown and Slack links use", () => {
    expect(encode("a(b)c!d'e*f|g")).toBe("a%28b%29c%21d%27e%2Af%7Cg");
  });
});

describe("articleFields", () => {
  test("one line each, controls removed, snippet keeps its lines", () => {
    const f = articleFields(
      makeArticle({
        subject: "Hi\u001b[2J\nthere",
        from: { name: "Ada\tL", address: "ada@example.net" },
        newsgroups: ["a.b", "c.d"],
        snippet: "line 1\r\nline 2\u0007\n",
        date: "2026-11-24T21:24:41.000Z",
        messageId: "<id@x>",
      }),
      "news:{messageIdBare}",
    );
    expect(f).toMatchObject({
      subject: "Hi[2J there",
      from: "Ada L <ada@example.net>",
      fromName: "Ada L",
      fromAddress: "ada@example.net",
      newsgroups: "a.b, c.d",
      snippet: "line 1\nline 2",
      date: "2026-11-24 21:24 UTC",
      messageId: "<id@x>",
      messageIdBare: "id@x",
      messageIdEncoded: "id%40x",
      link: "news:id%40x",
    });
  });

  test("fallbacks for an empty subject and sender", () => {
    const f = articleFields(
      makeArticle({ subject: "", from: { name: "", address: "" }, date: null }),
      "news:{messageIdBare}",
    );
    expect([f.subject, f.from, f.date]).toEqual(["(no subject)", "(unknown sender)", ""]);
  });

  test.each([
    ["2026-11-24T21:24:41.000Z", "2026-11-24 21:24 UTC"],
    ["garbage", "garbage"],
  ])("readableDate(%j)", (iso, expected) => {
    expect(readableDate(iso)).toBe(expected);
  });
});
