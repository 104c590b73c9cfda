import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ATTACHED_MARKER, startBpftrace } from "../../../src/sources/bpftrace.js";

// Tiny stand-ins for bpftrace: what the child handling must do with each (no real bpftrace here).
const dir = mkdtempSync(join(tmpdir(), "nn-bpftrace-child-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function script(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

const start = (command: string, killAfterMs?: number) =>
  startBpftrace({
    command: [command],
    program: "",
    onStderr: () => {},
    ...(killAfterMs === undefined ? {} : { killAfterMs }),
  });

async function all(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of lines) out.push(l);
  return out;
}

describe("startBpftrace (the child process)", () => {
  it("stdout lines without the marker, the marker seen, the exit code, stderr's tail", async () => {
    const run = start(
      script(
        "prints",
        `echo one; [ "$${ATTACHED_MARKER}" = 1 ] && echo ${ATTACHED_MARKER}; echo "args $*"; echo oops >&2; exit 3`,
      ),
    );
    expect(await all(run.lines())).toEqual(["one", "args -f json -e "]);
    expect(await run.probesAttached).toBe(true);
    expect(await run.exited).toEqual({ code: 3, signal: null, stderrTail: ["oops"] });
  });

  it("a command that does not exist: exited (never rejects) with the reason, never attached", async () => {
    const run = start(join(dir, "no-such-bpftrace"));
    const exit = await run.exited;
    expect(exit.code).toBeNull();
    expect(exit.stderrTail.join("\n")).toMatch(/ENOENT/);
    expect(await run.probesAttached).toBe(false);
    await run.stop();
  });

  it("stop(): SIGINT, and bpftrace's own END runs (it exits as it chooses)", async () => {
    const run = start(
      script("ends", "trap 'echo END; exit 0' INT; echo up; while :; do sleep 0.05; done"),
    );
    const lines = run.lines()[Symbol.asyncIterator]();
    // The first line comes after the trap is set.
    expect((await lines.next()).value).toBe("up");
    await run.stop();
    expect(await run.exited).toMatchObject({ code: 0, signal: null });
    expect((await lines.next()).value).toBe("END");
  });

  it("stop(): one that ignores SIGINT is killed (SIGKILL) after the grace period", async () => {
    const run = start(script("deaf", "trap '' INT; echo up; while :; do sleep 0.05; done"), 200);
    expect((await run.lines()[Symbol.asyncIterator]().next()).value).toBe("up");
    await run.stop();
    expect(await run.exited).toMatchObject({ code: null, signal: "SIGKILL" });
  });
});
