import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeEntity, htmlToText } from "../../../src/article/html.js";

describe("htmlToText", () => {
  it.each([
    ["tags out", "<p>a <b>bold</b> move</p>", "a bold move"],
    ["blocks make lines", "<div>one</div><div>two<br/>three</div>", "one\ntwo\nthree"],
    ["source whitespace collapses", "a\n   b\t\tc", "a b c"],
    [
      "script, style, head, comments dropped",
      "<head><title>t</title></head><style>x{}</style><!-- c --><script>1<2</script>ok",
      "ok",
    ],
    ["entities", "&lt;tag&gt; &amp; &quot;q&quot; &#233; &#x1F389; &nbsp;x", '<tag> & "q" é 🎉  x'],
    ["unknown entity kept", "&bogus; &#0;", "&bogus; &#0;"],
  ])("%s", (_, html, expected) => {
    expect(htmlToText(html)).toBe(expected);
  });
});

/** htmlToText as it was: one regex per pass. The reference the linear scanner is held to. */
function regexHtmlToText(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<(head|script|style|title)\b[\s\S]*?<\/\1\s*>/gi, "")
    .replace(/\s+/g, " ")
    .replace(/<\/?(?:br|p|div|h[1-6]|li|ul|ol|tr|table|blockquote|pre|hr)\b[^>]*>/gi, "\n")
    .replace(/<[^>]*>/g, "")
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, decodeEntity) // unchanged: linear already
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .join("\n");
}

describe("htmlToText is the old regexes, scanned linearly", () => {
  // Pieces that make tags, comments, dropped elements and blocks overlap in every way.
  const pieces = [
    "<",
    ">",
    "<!--",
    "-->",
    "-",
    "</",
    "script",
    "SCRIPT",
    "style",
    "title",
    "head",
    "p",
    "pre",
    "br",
    "h1",
    "x",
    " ",
    "\n",
    "\u00a0",
    "&amp;",
    "&",
    ";",
    "/",
  ];
  const html = fc.array(fc.constantFrom(...pieces), { maxLength: 40 }).map((a) => a.join(""));

  it("gives what the regexes gave", () => {
    fc.assert(
      fc.property(html, (h) => {
        expect(htmlToText(h)).toBe(regexHtmlToText(h));
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    ["a flood of '<'", "<"],
    ["unclosed comments", "<!--"],
    ["unclosed scripts", "<script "],
    ["unclosed block tags", "<p <br "],
    ["close tags without '>'", "<style></style </style"],
  ])("%s: doubling the input at most doubles the steps", (_, unit) => {
    const steps = (n: number) => {
      const meter = { steps: 0 };
      htmlToText(unit.repeat(n), meter);
      return meter.steps;
    };
    const small = steps(20_000);
    expect(small).toBeGreaterThan(0);
    expect(steps(40_000)).toBeLessThanOrEqual(2 * small + 16);
  });
});
