import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { INN_STORAGE_METHODS } from "../../../src/inn/storage-methods.js";
import { parseTradspoolMap } from "../../../src/inn/tradspool-map.js";
import { STORAGE_METHODS, storedAtPath, storedByToken } from "../../../src/storage/registry.js";

const FIXTURES = join(import.meta.dirname, "../../../fixtures/tokens");
const map = parseTradspoolMap(readFileSync(join(FIXTURES, "tradspool.map"), "latin1"));
const ctx = {
  spool: "/var/spool/news/articles",
  tradspoolGroups: { group: async (n: number) => map.byNumber.get(n) ?? null },
};
/** Real tokens captured from innd (scripts/capture-storage-fixtures.sh), with `sm -c`'s file. */
const captured = readFileSync(join(FIXTURES, "tokens.tsv"), "utf8")
  .trim()
  .split("\n")
  .slice(1)
  .map((line) => line.split("\t"))
  .map(([name, , , token, smc]) => ({
    name: name as string,
    token: token as string,
    file: / file=(\S+)/.exec(smc ?? "")?.[1] ?? "",
  }));

describe("storage methods: a real token → the stored article", () => {
  it.each(captured)("$name $token", async ({ token, file }) => {
    const ref = await storedByToken(token, ctx);
    expect(ref.token).toBe(token);
    if (ref.method === "tradspool") {
      // INN's sm -c prints artnum=0 for 64-bit tradspool tokens; the path is group dir + number.
      expect(ref.path).toMatch(/^\/var\/spool\/news\/articles\/local\/test\/\d+$/);
      expect(ref.group).toBe("local.test");
    } else if (ref.method === "timehash") {
      expect(ref.path).toBe(file);
      expect(ref.group).toBeNull();
    } else {
      // timecaf and CNFS keep no file per article: read through the token.
      expect(ref.path).toBeNull();
    }
  });

  it("the timehash file innd created → the same article as its token", async () => {
    const th = captured.find((c) => c.name === "timehash");
    const ref = storedAtPath(th?.file ?? "", ctx);
    expect(ref).toMatchObject({ method: "timehash", path: th?.file, token: th?.token });
  });

  it.each([
    ["@00000000000000000000000000000000000@", /not an INN token/],
    ["@000000000000000000000000000000000000@", /trash method/],
    ["@FF0000000000000000000000000000000000@", /empty/],
    ["@07000000000000000000000000000000000000@", /not an INN token/],
    ["@050000000063000000000000000400000000@", /group number 99 is not in tradspool.map/],
  ])("refuses %s with a reason", async (token, why) => {
    await expect(storedByToken(token, ctx)).rejects.toThrow(why);
  });

  it.each([
    ["/var/spool/news/articles/local/test/4", "tradspool"],
    ["/var/spool/news/articles/time-01/0f/46/0000-6b80", "timehash"],
    ["/var/spool/news/articles/time-01/0f/46/notes", null],
    ["/var/spool/news/articles/timecaf-02/0f/6b46.CF", null],
    ["/var/lib/news/history", null],
  ])("a created file %s is a %s article", (path, method) => {
    expect(storedAtPath(path, ctx)?.method ?? null).toBe(method);
  });

  it("every method is keyed by its own name, and INN's token types tell them apart", () => {
    for (const [key, m] of Object.entries(STORAGE_METHODS)) expect(m.name).toBe(key);
    const misnamed: typeof STORAGE_METHODS = {
      ...STORAGE_METHODS,
      // @ts-expect-error a method under another method's name does not compile (npm run typecheck)
      tradspool: STORAGE_METHODS.cnfs,
    };
    expect(misnamed.tradspool.name).toBe("cnfs");
    const methods = Object.values(STORAGE_METHODS);
    expect(new Set(methods.map((m) => m.tokenType)).size).toBe(methods.length);
    const ofInn = methods.filter((m) => m.name in INN_STORAGE_METHODS);
    expect(ofInn.map((m) => m.name)).toEqual(["tradspool", "timehash", "timecaf", "cnfs"]);
    for (const m of ofInn) {
      expect(m.tokenType).toBe(INN_STORAGE_METHODS[m.name as keyof typeof INN_STORAGE_METHODS]);
    }
  });
});
