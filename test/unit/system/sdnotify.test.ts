import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { sdNotify, statusText } from "../../../src/system/sdnotify.js";

/** A stand-in for systemd-notify that appends its arguments, one JSON array per call, to a file. */
function recorder() {
  const file = join(mkdtempSync(join(tmpdir(), "sdnotify-")), "calls");
  const code = `require("fs").appendFileSync(${JSON.stringify(file)}, JSON.stringify(process.argv.slice(1)) + "\\n")`;
  const calls = (): string[][] =>
    readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as string[]);
  return { command: [process.execPath, "-e", code], calls };
}

describe("sdNotify", () => {
  it("sends nothing and spawns nothing without NOTIFY_SOCKET", async () => {
    const r = recorder();
    const sd = sdNotify({ env: {}, command: r.command });
    sd.ready("x");
    sd.stopping("y");
    await sd.flush();
    expect(() => r.calls()).toThrow(/ENOENT/);
  });

  it("sends READY, STATUS, RELOADING and STOPPING in order", async () => {
    const r = recorder();
    const sd = sdNotify({ env: { NOTIFY_SOCKET: "/x" }, command: r.command, minIntervalMs: 0 });
    sd.ready("kprobe mode");
    sd.status("1 article");
    sd.reloading("reloading");
    sd.ready("kprobe mode again");
    sd.stopping("SIGTERM: stopping");
    await sd.flush();
    expect(r.calls()).toEqual([
      ["READY=1", "STATUS=kprobe mode"],
      ["STATUS=1 article"],
      ["RELOADING=1", "STATUS=reloading"],
      ["READY=1", "STATUS=kprobe mode again"],
      ["STOPPING=1", "STATUS=SIGTERM: stopping"],
    ]);
  });

  it("coalesces STATUS updates closer than the interval: the last text wins", async () => {
    const r = recorder();
    // The interval on a fake clock (the sends, child processes, stay real).
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    try {
      const sd = sdNotify({ env: { NOTIFY_SOCKET: "/x" }, command: r.command, minIntervalMs: 300 });
      sd.ready("up");
      for (let i = 1; i <= 50; i++) sd.status(`${i} articles`);
      await vi.advanceTimersByTimeAsync(299);
      await sd.flush();
      expect(r.calls()).toEqual([["READY=1", "STATUS=up"]]);
      await vi.advanceTimersByTimeAsync(1);
      await sd.flush();
      expect(r.calls()).toEqual([["READY=1", "STATUS=up"], ["STATUS=50 articles"]]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("keeps control characters out of STATUS=", () => {
    expect(statusText("a\nREADY=1\x1b[2Jb")).toBe("a READY=1 [2Jb");
  });
});
