import { describe, expect, it } from "vitest";
import { makeSnippet } from "../../../src/article/snippet.js";

describe("makeSnippet", () => {
  it.each([
    ["short text kept", "hello", 300, "hello"],
    ["cut at the limit", "abcdef", 3, "abc"],
    ["trailing whitespace trimmed", "ab  \n\n", 300, "ab"],
    ["trimmed after the cut", "ab   cd", 4, "ab"],
    ["leading text kept as is", "> quoted\n-- \nsig", 300, "> quoted\n-- \nsig"],
    ["never half a surrogate pair", "ab🎉", 3, "ab"],
    ["a whole pair fits", "ab🎉c", 4, "ab🎉"],
    ["zero", "abc", 0, ""],
  ])("%s", (_, text, max, expected) => {
    expect(makeSnippet(text, max)).toBe(expected);
  });
});
