import { describe, expect, it } from "vitest";
import { htmlToText } from "../../../src/article/html.js";

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
