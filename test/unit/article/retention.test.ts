import { expect, test } from "vitest";
import type { Article } from "../../../src/article/article.js";
import { parseArticle } from "../../../src/article/parse.js";
import { heapAfterGc } from "../../helpers/heap.js";

/**
 * Few articles, each large: what is measured is bytes kept per article, which does not need 20 of
 * them, and multipart parsing costs about 0.7 s per 500 KB article (20 of them hit the 5 s default
 * timeout under load). The timeout is generous on purpose: this tests memory, never speed.
 */
const N = 5;

test.each([
  ["plain", "Content-Type: text/plain", "just text ".repeat(50_000)],
  ["html", "Content-Type: text/html", `<p>${"some html ".repeat(50_000)}</p>`],
  [
    "multipart",
    'Content-Type: multipart/alternative; boundary="B"',
    `--B\nContent-Type: text/plain\n\n${"part text ".repeat(50_000)}\n--B--\n`,
  ],
])(
  "a parsed %s article keeps nothing of its 500 KB text alive but its fields",
  { timeout: 60_000 },
  (_, type, body) => {
    const parse = (i: number) =>
      parseArticle(
        Buffer.from(
          `Message-ID: <r${i}@x>\nFrom: A <a@x>\nSubject: s\nNewsgroups: g\nReferences: <p@x>\n${type}\n\n${body}`,
        ),
        { path: `/s/g/${i}`, group: "g", number: i },
      );
    parse(-1); // the MIME library is loaded on first use: not what is measured here
    const kept: Article[] = [];
    const before = heapAfterGc();
    for (let i = 0; i < N; i++) kept.push(parse(i));
    const keptMb = (heapAfterGc() - before) / 1024 / 1024;
    expect(kept).toHaveLength(N);
    expect(kept[0]?.snippet.length).toBeGreaterThan(0);
    // 5 articles of 500 KB: 2.5 MB (5 MB as UTF-16) if their text stayed alive; their fields, a few KB.
    expect(keptMb).toBeLessThan(1);
  },
);
