import { describe, expect, it } from "vitest";
import { parseActive } from "../../../src/inn/active.js";
import { activeMarks, findGaps } from "../../../src/storage/gaps.js";

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
