import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseTradspoolMap, TradspoolGroups } from "../../../src/inn/tradspool-map.js";

describe("tradspool.map", () => {
  it("parses the real file innd wrote", () => {
    const text = readFileSync(
      new URL("../../../fixtures/tokens/tradspool.map", import.meta.url),
      "utf8",
    );
    const m = parseTradspoolMap(text);
    expect(m.bad).toEqual([]);
    expect(m.byNumber.get(8)).toBe("local.test");
    expect(m.byNumber.get(12)).toBe("cn.a.b.c.d.e.f.g.h");
    expect(m.byNumber.get(1)).toBe("control");
  });

  it.each([
    ["local/test", ["local/test"]],
    ["local/test x", ["local/test x"]],
    ["local/test 0", ["local/test 0"]],
    ["local/test 99999999999", ["local/test 99999999999"]],
    ["local/test  3", ["local/test  3"]],
  ])("reports the bad line %j", (line, bad) => {
    expect(parseTradspoolMap(`a/b 1\n${line}\n`).bad).toEqual(bad);
  });

  it("rereads when a number is missing, but not more often than asked", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nn-map-"));
    writeFileSync(join(dir, "tradspool.map"), "local/test 1\n");
    let now = 0;
    const groups = new TradspoolGroups(dir, 1000, () => now);
    expect(await groups.group(1)).toBe("local.test");
    writeFileSync(join(dir, "tradspool.map"), "local/test 1\nth/test 2\n");
    now = 1500;
    expect(await groups.group(2)).toBe("th.test");
    expect(await groups.group(3)).toBeNull();
    writeFileSync(join(dir, "tradspool.map"), "local/test 1\nth/test 2\nx/y 3\n");
    now = 2000;
    expect(await groups.group(3)).toBeNull();
    now = 2600;
    expect(await groups.group(3)).toBe("x.y");
  });
});
