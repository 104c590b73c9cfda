import { cpSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TradspoolGroups } from "../../../src/inn/tradspool-map.js";
import { refFromToken, timehashRefFromPath } from "../../../src/storage/token-ref.js";

const fixtures = new URL("../../../fixtures/tokens/", import.meta.url);
const ctx = { spool: "/var/spool/news/articles" };

function groups(): TradspoolGroups {
  const dir = mkdtempSync(join(tmpdir(), "nn-ref-"));
  cpSync(new URL("tradspool.map", fixtures), join(dir, "tradspool.map"));
  return new TradspoolGroups(dir);
}

/** The captured tokens with the file INN's sm -c names (file= is the cycbuff for CNFS). */
const captured = readFileSync(new URL("tokens.tsv", fixtures), "utf8")
  .trim()
  .split("\n")
  .slice(1)
  .map((l) => l.split("\t"))
  .map(([name, , , token, smC, smI]) => ({
    name,
    token: token ?? "",
    method: /method=(\w+)/.exec(smC ?? "")?.[1],
    file: /file=(\S+)/.exec(smC ?? "")?.[1],
    smI: smI ?? "",
  }));

describe("refFromToken on the real tokens", () => {
  it.each(captured.map((c) => [`${c.name} ${c.token}`, c] as const))("%s", async (_, c) => {
    const r = await refFromToken(c.token, ctx, groups());
    if (!r.ok) throw new Error(r.reason);
    expect(r.value.method).toBe(c.method);
    expect(r.value.token).toBe(c.token);
    if (c.method === "tradspool" || c.method === "timehash") expect(r.value.path).toBe(c.file);
    else expect(r.value.path).toBeNull();
    if (c.method === "tradspool") {
      expect(`${r.value.group}: ${r.value.number}`).toBe(c.smI);
    }
    if (c.method === "timehash") {
      expect(timehashRefFromPath(c.file ?? "", ctx)).toEqual(r.value);
    }
  });

  it.each([
    ["not a token", "@x@", /not an INN token/],
    ["trash", `@00${"0".repeat(34)}@`, /trash/],
    [
      "an unknown group number",
      "@050000000063000000000000000400000000@",
      /group number 99 is not in tradspool.map/,
    ],
    ["CNFS without a name", `@0303${"0".repeat(24)}00000001@`, /no valid cycbuff name/],
  ])("%s", async (_, text, why) => {
    const r = await refFromToken(text, ctx, groups());
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(why);
  });

  it.each([
    "/var/spool/news/articles/local/test/4",
    "/var/spool/news/articles/time-01/0f/46/0000-6b80x",
    "/var/spool/news/other/time-01/0f/46/0000-6b80",
    "/var/spool/news/articles/../time-01/0f/46/0000-6b80",
  ])("not a timehash file: %s", (path) => {
    expect(timehashRefFromPath(path, ctx)).toBeNull();
  });
});
