/** The single-part fast path of parseArticle gives what emailjs-mime-parser gives, on real articles. */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseArticle, parseArticleViaMime } from "../../../src/article/parse.js";

// Stored by a real innd (scripts/capture-fixtures.sh).
const dir = new URL("../../../fixtures/articles/", import.meta.url);
const names = readdirSync(dir)
  .filter((name) => name.endsWith(".wire"))
  .sort();

/** The result or the error's message, so that a refusal must be the same refusal. */
function outcome(parse: typeof parseArticle, raw: Buffer, snippetChars: number): unknown {
  try {
    return parse(raw, { path: "/spool/fixture/1", group: "fixture.test", number: 1, snippetChars });
  } catch (e) {
    return { threw: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}

describe("parseArticle fast path equals the emailjs-mime-parser path on every fixture", () => {
  it("has the 20 captured fixtures", () => {
    expect(names).toHaveLength(20);
  });

  it.each(names)("%s", (name) => {
    const raw = readFileSync(new URL(name, dir));
    for (const snippetChars of [0, 1, 40, 300, 100_000]) {
      expect(outcome(parseArticle, raw, snippetChars)).toEqual(
        outcome(parseArticleViaMime, raw, snippetChars),
      );
    }
  });

  it.each(names)("%s, unwired and stored with LF line ends", (name) => {
    const raw = readFileSync(new URL(name, dir));
    const lf = Buffer.from(
      raw
        .toString("latin1")
        .replace(/\r\n\.\r\n$/, "\r\n")
        .replace(/\r\n/g, "\n"),
      "latin1",
    );
    expect(outcome(parseArticle, lf, 300)).toEqual(outcome(parseArticleViaMime, lf, 300));
  });
});
