import { describe, expect, it } from "vitest";
import { Assembler, type TraceEvent } from "../../../src/sources/assemble.js";
import { parsePrintf } from "../../../src/sources/protocol.js";

/** Feeds printf texts through a fresh assembler and returns what came out. */
function run(lines: string[], maxPending?: number): TraceEvent[] {
  const a = new Assembler(maxPending);
  return lines.flatMap((l) => a.push(parsePrintf(l)));
}

const walk = (
  key: string,
  names: string[],
  end = `E ${key.replace(":", " ")} ${names.length} 1 2049 100 security_inode_create`,
) => [...names.map((n, i) => `S ${key.replace(":", " ")} ${i} ${Buffer.byteLength(n)} ${n}`), end];

describe("Assembler", () => {
  it.each<[string, string[], TraceEvent[]]>([
    [
      "one walk to the root",
      walk("1:10", ["7", "test", "local", "articles"]),
      [
        {
          kind: "walk",
          pid: 100,
          probe: "security_inode_create",
          dev: 2049,
          segments: ["articles", "local", "test", "7"],
        },
      ],
    ],
    [
      "two CPUs interleaved",
      (() => {
        const a = walk("1:10", ["7", "test", "local"]);
        const b = walk("2:11", ["8", "misc", "comp"]);
        return [a[0], b[0], a[1], b[1], b[2], a[2], b[3], a[3]] as string[];
      })(),
      [
        {
          kind: "walk",
          pid: 100,
          probe: "security_inode_create",
          dev: 2049,
          segments: ["comp", "misc", "8"],
        },
        {
          kind: "walk",
          pid: 100,
          probe: "security_inode_create",
          dev: 2049,
          segments: ["local", "test", "7"],
        },
      ],
    ],
    [
      "ran out of depth",
      walk("3:12", ["9", "i", "h"], "E 3 12 3 0 2049 100 security_inode_create"),
      [
        {
          kind: "shortfall",
          pid: 100,
          probe: "security_inode_create",
          dev: 2049,
          segments: ["h", "i", "9"],
        },
      ],
    ],
    [
      "a missing segment",
      ["S 4 13 0 1 9", "S 4 13 2 1 a", "E 4 13 3 1 2049 100 security_inode_create"],
      [{ kind: "broken", key: "4:13", reason: "segment 1 of 3 missing" }],
    ],
    [
      "a name cut short by str()",
      ["S 5 14 0 300 abc", "E 5 14 1 1 2049 100 vfs_create"],
      [
        {
          kind: "broken",
          key: "5:14",
          reason: "segment 0 cut to 3 of 300 bytes (raise BPFTRACE_STRLEN)",
        },
      ],
    ],
    [
      "an end with no segments",
      ["E 6 15 0 1 2049 100 vfs_create"],
      [{ kind: "broken", key: "6:15", reason: "walk had no segments" }],
    ],
    [
      "multi-byte names are measured in bytes",
      walk("7:16", ["1", "größe"]),
      [
        {
          kind: "walk",
          pid: 100,
          probe: "security_inode_create",
          dev: 2049,
          segments: ["größe", "1"],
        },
      ],
    ],
  ])("%s", (_name, lines, expected) => {
    expect(run(lines)).toEqual(expected);
  });

  it("drops the oldest walk without an end line when too many are pending", () => {
    const out = run(["S 1 1 0 1 a", "S 2 2 0 1 b", "S 3 3 0 1 c"], 2);
    expect(out).toEqual([{ kind: "broken", key: "1:1", reason: "no end line (events lost?)" }]);
  });

  it("reports unfinished walks on flush", () => {
    const a = new Assembler();
    a.push(parsePrintf("S 1 1 0 1 a"));
    expect(a.flush()).toEqual([
      { kind: "broken", key: "1:1", reason: "no end line (trace stopped or events lost)" },
    ]);
    expect(a.flush()).toEqual([]);
  });
});
