import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { classifyStderr, parseLine } from "../../../src/sources/protocol.js";

const printf = (data: string) => JSON.stringify({ type: "printf", data });

describe("parseLine", () => {
  it.each([
    ["blank", "", null],
    [
      "segment",
      printf("S 42 1000 0 1 7\n"),
      { kind: "segment", key: "42:1000", index: 0, length: 1, name: "7" },
    ],
    [
      "segment with spaces and a newline in the name",
      printf("S 42 1000 2 9 a b\nc d\n"),
      { kind: "segment", key: "42:1000", index: 2, length: 9, name: "a b\nc d" },
    ],
    [
      "end, root reached",
      printf("E 42 1000 5 1 265289729 40 security_inode_create\n"),
      {
        kind: "end",
        key: "42:1000",
        segments: 5,
        reachedRoot: true,
        dev: 265289729,
        pid: 40,
        tid: 42,
        probe: "security_inode_create",
      },
    ],
    [
      "end, out of depth",
      printf("E 7 9 4 0 2049 7 vfs_create\n"),
      {
        kind: "end",
        key: "7:9",
        segments: 4,
        reachedRoot: false,
        dev: 2049,
        pid: 7,
        tid: 7,
        probe: "vfs_create",
      },
    ],
    [
      "open",
      printf("O 4924 4925 551655386644 -100 193 32 /var/spool/news/articles/local/test/2\n"),
      {
        kind: "open",
        pid: 4924,
        tid: 4925,
        ns: 551655386644n,
        dirfd: -100,
        flags: 193,
        path: "/var/spool/news/articles/local/test/2",
      },
    ],
    ["heartbeat", printf("H 123456\n"), { kind: "heartbeat" }],
    [
      "attached",
      '{"type": "attached_probes", "data": {"probes": 9}}',
      { kind: "attached", probes: 9 },
    ],
    ["lost", '{"type": "lost_events", "data": {"events": 12}}', { kind: "lost", count: 12 }],
    ["text, not JSON", "Lost 3 events", { kind: "message", text: "Lost 3 events" }],
    [
      "unknown object",
      '{"type": "map", "data": {}}',
      { kind: "message", text: '{"type": "map", "data": {}}' },
    ],
    [
      "garbage printf",
      printf("hello\n"),
      { kind: "message", text: 'unexpected trace output: "hello"' },
    ],
    [
      "truncated segment line",
      printf("S 42 1000\n"),
      { kind: "message", text: 'unexpected trace output: "S 42 1000"' },
    ],
  ])("%s", (_name, line, expected) => {
    expect(parseLine(line)).toEqual(expected);
  });

  it("parses real bpftrace output captured from innd (tracepoint mode)", () => {
    const lines = readFileSync(
      new URL("../../../fixtures/trace/tracepoint-innd.jsonl", import.meta.url),
      "utf8",
    )
      .split("\n")
      .map(parseLine)
      .filter((r) => r !== null);
    expect(lines.map((r) => r.kind)).toEqual(["attached", "open"]);
  });
});

describe("real kprobe-mode output (Debian 6.1 kernel, captured by the VM lane)", () => {
  it("assembles into the article innd filed, on the root filesystem's device", async () => {
    const { Assembler } = await import("../../../src/sources/assemble.js");
    const { parseMountInfo, pathsOnMounts } = await import("../../../src/sources/mounts.js");
    const a = new Assembler();
    const events = readFileSync(
      new URL("../../../fixtures/trace/kprobe-innd.jsonl", import.meta.url),
      "utf8",
    )
      .split("\n")
      .map(parseLine)
      .filter((r) => r !== null)
      .flatMap((r) => a.push(r));
    const walks = events.filter((e) => e.kind === "walk");
    expect(walks).toHaveLength(1);
    const [walk] = walks;
    if (walk?.kind !== "walk") throw new Error("no walk");
    expect(walk.probe).toBe("security_inode_create");
    const mounts = parseMountInfo("20 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n");
    expect(pathsOnMounts(walk.dev, walk.segments, mounts)).toEqual([
      "/var/spool/news/articles/raw/probe/check/2",
    ]);
  });
});

describe("classifyStderr", () => {
  it.each([
    ["ERROR: Unknown error -1: couldn't set RLIMIT_MEMLOCK for bpftrace. If ...", null],
    ["Attaching 9 probes...", "info"],
    ["prog.bt:1-2: WARNING: vfs_create is not traceable", "warn"],
    ["ERROR: Could not resolve symbol: /proc/self/exe:BEGIN_trigger", "error"],
    ["   ", null],
  ])("%s", (line, level) => {
    expect(classifyStderr(line)?.level ?? null).toBe(level);
  });
});
