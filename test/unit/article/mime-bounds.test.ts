import { describe, expect, it } from "vitest";
import { bodyText } from "../../../src/article/body.js";
import {
  bodyLines,
  MAX_MIME_DEPTH,
  type MimeNode,
  mimeBudget,
  mimeDepth,
  mimeTree,
} from "../../../src/article/mime.js";
import { parseArticle } from "../../../src/article/parse.js";

const opts = { path: null, group: "g", number: 1 };

/** `depth` levels of message/rfc822, then a text/plain part with `text`. */
function nested(depth: number, text: string): string[] {
  return [
    ...Array.from({ length: depth }, () => ["Content-Type: message/rfc822", ""]).flat(),
    "Content-Type: text/plain",
    "",
    ...text.split("\n"),
  ];
}

function deepest(node: MimeNode): number {
  return Math.max(mimeDepth(node), ...node.childNodes.map(deepest));
}

function nodes(node: MimeNode): MimeNode[] {
  return [node, ...node.childNodes.flatMap(nodes)];
}

describe("the MIME parser's bounds", () => {
  it(`nesting is read ${MAX_MIME_DEPTH} levels deep; below that a part is a leaf`, () => {
    const root = mimeTree(nested(600, "deep text"));
    expect(deepest(root)).toBe(MAX_MIME_DEPTH);
    // The body lines are kept once, by the one leaf, not by every ancestor.
    const kept = nodes(root).map((n) => bodyLines(n).length);
    expect(kept.filter((n) => n > 0)).toHaveLength(1);
  });

  it.each([
    [MAX_MIME_DEPTH - 1, "found text"],
    [MAX_MIME_DEPTH + 1, ""],
  ])("text at depth %i: snippet %j", (depth, snippet) => {
    const raw = `Message-ID: <n@x>\nMIME-Version: 1.0\n${nested(depth, "found text").join("\n")}\n`;
    expect(parseArticle(Buffer.from(raw), opts).snippet).toBe(snippet);
  });

  it("a budget is spent across trees: past its bytes no line is read", () => {
    const budget = { ...mimeBudget(), bytes: 40 };
    const first = mimeTree(["Content-Type: text/plain", "", "0123456789"], budget);
    expect(bodyLines(first)).toEqual(["0123456789"]);
    const second = mimeTree(["Content-Type: text/plain", "", "more"], budget);
    expect(bodyLines(second)).toEqual([]);
  });

  it("a digest's parts, parsed again as messages, spend the article's budget", () => {
    const parts = Array.from(
      { length: 600 },
      (_, i) => `--D\n\nSubject: ${i}\nContent-Type: image/png\n\nnot text ${i}`,
    ).join("\n");
    const lines = `Content-Type: multipart/digest; boundary=D\n\n${parts}\n--D--`.split("\n");
    const budget = mimeBudget();
    const root = mimeTree(lines, budget);
    expect(root.childNodes).toHaveLength(600);
    expect(budget.nodes).toBe(mimeBudget().nodes - 600);
    const afterTree = budget.bytes;
    expect(bodyText(root, budget)).toBe("");
    // Each of the 600 parts was read again, from the same budget.
    expect(afterTree - budget.bytes).toBeGreaterThan(600 * "Subject: 0".length);
  });
});
