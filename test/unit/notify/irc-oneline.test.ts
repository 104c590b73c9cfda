import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { oneLine } from "../../../src/notify/irc.js";

describe("oneLine", () => {
  it("is /\\s*\\n\\s*/g -> ' ', trimmed", () => {
    const text = fc
      .array(fc.constantFrom(" ", "\t", "\n", "\r", "x", "\u00a0", "\u2028"), { maxLength: 30 })
      .map((a) => a.join(""));
    fc.assert(
      fc.property(text, (value) => {
        expect(oneLine(value)).toBe(value.replace(/\s*\n\s*/g, " ").trim());
      }),
      { numRuns: 3000 },
    );
  });

  it("takes a Subject of 200,000 spaces and a letter without retrying the run", () => {
    expect(oneLine(`a${" ".repeat(200_000)}b \n c`)).toBe(`a${" ".repeat(200_000)}b c`);
  });
});
