import { describe, expect, it } from "vitest";
import { fileDecoder } from "../../../src/sources/file-decoder.js";
import { parseLine, type TraceRecord } from "../../../src/sources/protocol.js";
import type { ResolveIO } from "../../../src/sources/resolve.js";

const io: ResolveIO = {
  readlink: async (p) => {
    if (p === "/proc/42/cwd") return "/var/spool/news/articles";
    throw new Error(`ENOENT ${p}`);
  },
  readFile: async (p) => {
    throw new Error(`ENOENT ${p}`);
  },
};

const line = (data: string): TraceRecord => {
  const rec = parseLine(JSON.stringify({ type: "printf", data: `${data}\n` }));
  if (!rec) throw new Error(`no record from ${data}`);
  return rec;
};

describe("fileDecoder (tracepoint lines)", () => {
  it.each([
    // [what, line, events]
    [
      "an absolute path",
      "O 42 43 100 -100 193 5 /var/spool/news/articles/local/test/7",
      [{ kind: "file", paths: ["/var/spool/news/articles/local/test/7"], pid: 42 }],
    ],
    [
      "an absolute path with dots, normalised",
      "O 42 43 100 -100 193 5 /var/spool/news/articles/local/./test//8",
      [{ kind: "file", paths: ["/var/spool/news/articles/local/test/8"], pid: 42 }],
    ],
    ["an open that created nothing (no O_EXCL)", "O 42 43 100 -100 65 5 /var/x", []],
    ["a heartbeat", "H 100", []],
  ])("%s: decoded at once, no promise (no I/O to wait for)", (_what, data, events) => {
    const out = fileDecoder(io).push(line(data));
    expect(Array.isArray(out)).toBe(true);
    expect(out).toEqual(events);
  });

  it("a relative path waits for innd's cwd from /proc", async () => {
    const out = fileDecoder(io).push(line("O 42 43 100 -100 193 5 local/test/9"));
    expect(out).toBeInstanceOf(Promise);
    expect(await out).toEqual([
      { kind: "file", paths: ["/var/spool/news/articles/local/test/9"], pid: 42 },
    ]);
  });

  it("a relative path whose base cannot be read is a problem, not a file", async () => {
    expect(await fileDecoder(io).push(line("O 7 8 100 -100 193 5 local/test/9"))).toEqual([
      {
        kind: "problem",
        text: 'created file not resolved: relative path "local/test/9": cannot read /proc/7/cwd: ENOENT /proc/7/cwd',
      },
    ]);
  });
});
