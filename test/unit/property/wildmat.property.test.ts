/** Property-based tests (fast-check) for INN's wildmat as newsnotify's routing uses it. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileWildmat } from "../../../src/inn/wildmat.js";

const component = fc.stringMatching(/^[a-z0-9+_-]{1,8}$/);
const group = fc.array(component, { minLength: 1, maxLength: 6 }).map((c) => c.join("."));

describe("wildmat", () => {
  it("regression: a hyphen in a group name (found by the properties below: it used to throw)", () => {
    expect(compileWildmat("alt.fan.monty-python").test("alt.fan.monty-python")).toBe("match");
    expect(compileWildmat("comp.*,!comp.os.ms-windows.*").test("comp.os.ms-windows.misc")).toBe(
      "fail",
    );
  });

  it("never throws, whatever the expression and the text", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 30 }),
        fc.string({ maxLength: 30 }),
        (expr, text) => {
          expect(["match", "fail", "poison"]).toContain(compileWildmat(expr).test(text));
        },
      ),
    );
  });

  it("a literal group matches itself and nothing else that differs", () => {
    fc.assert(
      fc.property(group, group, (g, other) => {
        expect(compileWildmat(g).test(g)).toBe("match");
        if (other !== g) expect(compileWildmat(g).test(other)).toBe("fail");
      }),
    );
  });

  it("`prefix.*` matches exactly the groups under prefix; a later `!` wins", () => {
    fc.assert(
      fc.property(group, group, (prefix, rest) => {
        const child = `${prefix}.${rest}`;
        expect(compileWildmat(`${prefix}.*`).test(child)).toBe("match");
        expect(compileWildmat(`${prefix}.*,!${child}`).test(child)).toBe("fail");
        expect(compileWildmat(`!${child},${prefix}.*`).test(child)).toBe("match");
        expect(compileWildmat(`*,@${prefix}.*`).test(child)).toBe("poison");
      }),
    );
  });
});
