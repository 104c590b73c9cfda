import { expect, test } from "vitest";
import type { Article } from "../../../src/article/article.js";
import { parseArticle } from "../../../src/article/parse.js";
import { heapAfterGc } from "../../helpers/heap.js";

test.each([
  ["plain", "Content-Type: text/plain", "just text ".repeat(50_000)],
  ["html", "Content-Type: text/html", `<p>${"some html ".repeat(50_000)}</p>`],
  [
    "multipart",
    'Content-Type: multipart/alternative; boundary="B"',
    `--B\nContent-Type: text/plain\n\n${"part text ".repeat(50_000)}\n--B--\n`,
  ],
])("a parsed %s article keeps nothing of its 500 KB text alive but its fields", (_, type, body) => {
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
  for (let i = 0; i < 20; i++) kept.push(parse(i));
  const keptMb = (heapAfterGc() - before) / 1024 / 1024;
  expect(kept).toHaveLength(20);
  expect(kept[0]?.snippet.length).toBeGreaterThan(0);
  // 20 articles of 500 KB: 10 MB (20 MB as UTF-16) if their text stayed alive.
  expect(keptMb).toBeLessThan(2);
});
