import { PassThrough } from "node:stream";
import { describe, expect, test } from "vitest";
import type { Article } from "../../../src/article/article.js";
import { articlePayload } from "../../../src/notify/payload.js";
import { formatLine, StdoutNotifier } from "../../../src/notify/stdout.js";
import { printable } from "../../../src/util/printable.js";
import { hasControl, makeArticle } from "./article-factory.js";

const base: Partial<Article> = { messageId: "<m@example.net>", subject: "Hello" };

describe("formatLine", () => {
  test.each<[string, Partial<Article>, string]>([
    [
      "name and address",
      {},
      'local.test  <m@example.net>  "Hello"  — Ada Lovelace <ada@example.net>',
    ],
    [
      "address only",
      { from: { name: "", address: "ada@example.net" } },
      'local.test  <m@example.net>  "Hello"  — <ada@example.net>',
    ],
    [
      "name only",
      { from: { name: "Ada", address: "" } },
      'local.test  <m@example.net>  "Hello"  — Ada',
    ],
    [
      "no sender",
      { from: { name: "", address: "" } },
      'local.test  <m@example.net>  "Hello"  — (unknown)',
    ],
    [
      "crosspost",
      { newsgroups: ["a.b", "c.d"] },
      'a.b,c.d  <m@example.net>  "Hello"  — Ada Lovelace <ada@example.net>',
    ],
    [
      "no Newsgroups header: the group it was filed in",
      { newsgroups: [], group: "x.y" },
      'x.y  <m@example.net>  "Hello"  — Ada Lovelace <ada@example.net>',
    ],
    [
      "control message",
      { control: "cancel <c@example.net>" },
      'local.test  <m@example.net>  "Hello"  — Ada Lovelace <ada@example.net>  [control: cancel <c@example.net>]',
    ],
    [
      "ESC and other controls in every field",
      {
        subject: "\u001b]0;owned\u0007\u001b[2J\r\nTab\there",
        from: { name: "Eve\u001b[31m", address: "eve@example.net\u009b" },
        messageId: "<m\u0000@example.net>",
      },
      'local.test  <m\\x00@example.net>  "\\x1b]0;owned\\x07\\x1b[2J\\x0d\\x0aTab here"  — Eve\\x1b[31m <eve@example.net\\x9b>',
    ],
  ])("%s", (_name, overrides, expected) => {
    expect(formatLine(makeArticle({ ...base, ...overrides }))).toBe(expected);
  });

  test("cuts a huge subject", () => {
    const line = formatLine(makeArticle({ subject: "é".repeat(1000) }));
    expect(line).toContain(`"${"é".repeat(200)}…"`);
  });
});

test.each([
  ["plain", "plain"],
  ["\u001b", "\\x1b"],
  ["a\u007fb", "a\\x7fb"],
  ["\u2028\u202e\u2066", "\\u2028\\u202e\\u2066"],
  ["tab\tstop", "tab stop"],
  ["naïve 日本 🙂", "naïve 日本 🙂"],
])("printable(%j)", (input, expected) => {
  expect(printable(input)).toBe(expected);
});

async function capture(json: boolean, articles: Article[]): Promise<string> {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk.toString("utf8")));
  const notifier = new StdoutNotifier({ json, stream });
  for (const article of articles) await notifier.send(article);
  return chunks.join("");
}

describe("StdoutNotifier", () => {
  test("readable: one line per article, no raw control characters", async () => {
    const articles = [
      makeArticle({ subject: "one\u001b[2J" }),
      makeArticle({ subject: "two\nlines" }),
    ];
    const out = await capture(false, articles);
    expect(out.split("\n")).toHaveLength(3);
    expect(hasControl(out.replaceAll("\n", ""))).toBe(false);
    expect(out).toBe(`${articles.map(formatLine).join("\n")}\n`);
  });

  test("json: one parsable payload line per article", async () => {
    const article = makeArticle({ subject: "esc \u001b[31m red" });
    const out = await capture(true, [article]);
    expect(out.endsWith("\n")).toBe(true);
    expect(out.slice(0, -1)).not.toContain("\n");
    expect(out).not.toContain("\u001b");
    expect(JSON.parse(out)).toEqual(articlePayload(article));
  });

  test("label and preview", () => {
    const article = makeArticle();
    expect(new StdoutNotifier().label).toBe("stdout");
    expect(new StdoutNotifier({ json: true }).label).toBe("stdout (json)");
    expect(new StdoutNotifier().preview(article)).toBe(formatLine(article));
    expect(new StdoutNotifier({ json: true }).preview(article)).toEqual(articlePayload(article));
  });

  test("a write error fails the send", async () => {
    const stream = new PassThrough();
    stream.destroy();
    await expect(new StdoutNotifier({ stream }).send(makeArticle())).rejects.toThrow();
  });
});
