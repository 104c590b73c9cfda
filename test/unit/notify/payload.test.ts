import { describe, expect, test } from "vitest";
import { articlePayload, payloadJson } from "../../../src/notify/payload.js";
import { hasControl, makeArticle } from "./article-factory.js";

describe("articlePayload", () => {
  test("has the contract's fields in the contract's order", () => {
    expect(Object.keys(articlePayload(makeArticle()))).toEqual([
      "messageId",
      "newsgroups",
      "from",
      "subject",
      "date",
      "path",
      "snippet",
      "group",
      "number",
      "xref",
      "references",
      "control",
      "organization",
      "userAgent",
      "bytes",
      "truncated",
      "token",
      "truncatedFields",
    ]);
  });

  test("carries every value through", () => {
    const article = makeArticle({
      messageId: "<a1@example.net>",
      newsgroups: ["comp.lang.typescript", "local.test"],
      from: { name: "Grace Hopper", address: "grace@example.net" },
      subject: "Crossposted",
      date: null,
      group: "comp.lang.typescript",
      number: 7,
      xref: [
        { group: "comp.lang.typescript", number: 7 },
        { group: "local.test", number: 12 },
      ],
      references: ["<r1@example.net>", "<r2@example.net>"],
      control: "cancel <x@example.net>",
      organization: "Example",
      userAgent: "tin/2.6",
      bytes: 2048,
      truncated: true,
      truncatedFields: ["subject", "references"],
    });
    const { ...expected } = article;
    expect(articlePayload(article)).toEqual(expected);
  });

  test("shares no arrays or objects with the article", () => {
    const article = makeArticle();
    const payload = articlePayload(article);
    payload.newsgroups.push("x");
    payload.from.name = "x";
    payload.references.push("x");
    payload.truncatedFields.push("x");
    const first = payload.xref[0];
    if (first) first.number = -1;
    expect(article.newsgroups).toEqual(["local.test"]);
    expect(article.from.name).toBe("Ada Lovelace");
    expect(article.references).toEqual([]);
    expect(article.truncatedFields).toEqual([]);
    expect(article.xref[0]?.number).toBe(article.number);
  });
});

describe("payloadJson", () => {
  test("is one line that parses back to the payload, terminal controls escaped", () => {
    const article = makeArticle({
      subject: "esc\u001b[31m del\u007f csi\u009b ls\u2028 rlo\u202e",
      snippet: "line 1\nline 2\r\n",
    });
    const json = payloadJson(article);
    expect(hasControl(json)).toBe(false);
    expect(json).not.toMatch(/[\u2028\u202e]/);
    expect(json).toContain("esc\\u001b[31m del\\u007f csi\\u009b ls\\u2028 rlo\\u202e");
    expect(JSON.parse(json)).toEqual(articlePayload(article));
  });
});
