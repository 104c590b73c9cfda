import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeTransfer, trimPadding } from "../../../src/article/transfer.js";

describe("quoted-printable transport padding", () => {
  it("trimPadding is /[ \\t]+$/ removed", () => {
    const text = fc
      .array(fc.constantFrom(" ", "\t", "x", "=", "\u00a0", "\r"), { maxLength: 30 })
      .map((a) => a.join(""));
    fc.assert(
      fc.property(text, (line) => {
        expect(trimPadding(line)).toBe(line.replace(/[ \t]+$/, ""));
      }),
      { numRuns: 3000 },
    );
  });

  it("long runs of spaces cost steps in proportion to their length", () => {
    const steps = (n: number) => {
      const meter = { steps: 0 };
      const lines = [`${" ".repeat(n)}x`, `x${" ".repeat(n)}`, " \t".repeat(n)];
      decodeTransfer(lines, "quoted-printable", meter);
      return meter.steps;
    };
    const small = steps(50_000);
    expect(small).toBeGreaterThan(0);
    expect(steps(100_000)).toBeLessThanOrEqual(2 * small + 8);
  });

  it("decodes soft breaks and escapes after the padding goes", () => {
    expect(
      decodeTransfer(["caf=E9 =  ", "au lait \t", "end"], "quoted-printable").toString("latin1"),
    ).toBe("café au lait\nend");
  });
});
