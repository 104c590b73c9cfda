import { describe, expect, it } from "vitest";
import { MAX_GROUPS, MAX_REFERENCES, MAX_TEXT_CHARS } from "../../../src/article/caps.js";
import { parseArticle } from "../../../src/article/parse.js";

const opts = { path: "/spool/local/test/1", group: "local.test", number: 1 };

function article(headers: string): ReturnType<typeof parseArticle> {
  return parseArticle(Buffer.from(`Message-ID: <c@x>\n${headers}\n\nbody\n`, "utf8"), opts);
}

describe("header fields are capped at parse time", () => {
  it("an ordinary article has no field cut", () => {
    const a = article("From: A <a@x>\nSubject: hi\nNewsgroups: a,b\nReferences: <r@x>");
    expect(a.truncatedFields).toEqual([]);
  });

  it.each([
    ["subject", `Subject: ${"s".repeat(900_000)}`, (a: A) => a.subject.length === MAX_TEXT_CHARS],
    [
      "subject",
      `Subject: ${"=?utf-8?B?w6k=?= ".repeat(50_000)}`,
      (a: A) => a.subject === "é".repeat(MAX_TEXT_CHARS),
    ],
    [
      "organization",
      `Organization: ${"o".repeat(5000)}`,
      (a: A) => a.organization?.length === MAX_TEXT_CHARS,
    ],
    [
      "userAgent",
      `X-Newsreader: ${"u".repeat(5000)}`,
      (a: A) => a.userAgent?.length === MAX_TEXT_CHARS,
    ],
    [
      "control",
      `Control: cancel ${"c".repeat(5000)}`,
      (a: A) => a.control?.length === MAX_TEXT_CHARS,
    ],
    [
      "from",
      `From: ${"=?utf-8?Q?=C3=A9?= ".repeat(100_000)}<a@x>`,
      (a: A) => a.from.address === "a@x" && a.from.name === "é".repeat(MAX_TEXT_CHARS),
    ],
    [
      "newsgroups",
      `Newsgroups: ${Array.from({ length: 10_000 }, (_, i) => `g${i}`).join(",")}`,
      (a: A) => a.newsgroups.length === MAX_GROUPS && a.newsgroups[0] === "g0",
    ],
    [
      "references",
      `References: ${Array.from({ length: 30_000 }, (_, i) => `<r${i}@x>`).join(" ")}`,
      (a: A) =>
        a.references.length === MAX_REFERENCES &&
        a.references[0] === "<r0@x>" &&
        a.references.at(-1) === "<r29999@x>" &&
        a.references[1] === `<r${30_000 - MAX_REFERENCES + 1}@x>`,
    ],
    [
      "xref",
      `Xref: host ${Array.from({ length: 1000 }, (_, i) => `g${i}:${i + 1}`).join(" ")}`,
      (a: A) => a.xref.length === MAX_GROUPS,
    ],
  ])("%s", (field, header, check) => {
    const a = article(header);
    expect(a.truncatedFields).toEqual([field]);
    expect(check(a)).toBe(true);
  });

  it("never cuts a surrogate pair in two", () => {
    const a = article(`Subject: x${"😀".repeat(MAX_TEXT_CHARS)}`);
    expect(a.subject.length).toBe(MAX_TEXT_CHARS - 1);
    expect(a.subject.endsWith("😀")).toBe(true);
  });
});

type A = ReturnType<typeof parseArticle>;
