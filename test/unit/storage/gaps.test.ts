import { describe, expect, it } from "vitest";
import { parseActive } from "../../../src/inn/active.js";
import { activeMarks, advanceMarks, findGaps } from "../../../src/storage/gaps.js";

const active = parseActive(
  [
    "local.test 0000000012 0000000001 y",
    "new.group 0000000003 0000000002 y",
    "empty.group 0000000000 0000000001 y",
  ].join("\n"),
);

describe("findGaps", () => {
  it.each<[string, Record<string, number>, string[], string[], number?]>([
    ["nothing new", { "local.test": 12, "new.group": 3, "empty.group": 0 }, [], []],
    [
      "articles above the mark",
      { "local.test": 9, "new.group": 3 },
      [],
      ["local.test:10", "local.test:11", "local.test:12"],
    ],
    [
      "seen ones are skipped",
      { "local.test": 9, "new.group": 3 },
      ["local.test:11"],
      ["local.test:10", "local.test:12"],
    ],
    [
      "a group created while stopped counts from its low mark",
      { "local.test": 12 },
      [],
      ["new.group:2", "new.group:3"],
    ],
    [
      "at most N per group, the newest",
      { "local.test": 0, "new.group": 3 },
      [],
      ["local.test:11", "local.test:12"],
      2,
    ],
  ])("%s", (_name, marks, seen, want, limit) => {
    const seenSet = new Set(seen);
    const got = findGaps(
      new Map(Object.entries(marks)),
      active,
      (g, n) => seenSet.has(`${g}:${n}`),
      limit,
    );
    expect(got.map((r) => `${r.group}:${r.number}`)).toEqual(want);
  });

  it("activeMarks", () => {
    expect(activeMarks(active)).toEqual(
      new Map([
        ["local.test", 12],
        ["new.group", 3],
        ["empty.group", 0],
      ]),
    );
  });
});

describe("advanceMarks", () => {
  it.each<[string, Record<string, number>, string[], Record<string, number> | null]>([
    ["nothing seen since", { "local.test": 9 }, [], null],
    ["seen below the mark only", { "local.test": 9 }, ["local.test:8"], null],
    [
      "a contiguous run",
      { "local.test": 9 },
      ["local.test:10", "local.test:11"],
      { "local.test": 11 },
    ],
    [
      "a hole stops it (the next catch-up looks there)",
      { "local.test": 9 },
      ["local.test:10", "local.test:12"],
      { "local.test": 10 },
    ],
    [
      "per group; groups without marks are left to catch-up",
      { a: 1, b: 5 },
      ["a:2", "b:7", "c:1"],
      { a: 2, b: 5 },
    ],
  ])("%s", (_name, marks, seen, want) => {
    const seenSet = new Set(seen);
    const got = advanceMarks(new Map(Object.entries(marks)), (g, n) => seenSet.has(`${g}:${n}`));
    expect(got && Object.fromEntries(got)).toEqual(want);
  });
});
