import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { chmodSync, copyFileSync, mkdtempSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fileIdentity, processIdentity, sameIdentity } from "../../../src/system/innd-binary.js";

// A package upgrade, in small: a process runs a binary, then a new file is renamed over its path
// (what dpkg does). The process still runs the old inode; the path names the new one.
describe("binary identity (what a uprobe is attached to)", () => {
  let child: ChildProcess | null = null;
  afterEach(() => {
    child?.kill();
  });

  it("a running binary's identity matches its path until the file is replaced", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nn-ident-"));
    const bin = join(dir, "innd");
    copyFileSync("/bin/sleep", bin);
    chmodSync(bin, 0o755);
    child = spawn(bin, ["30"], { stdio: "ignore" });
    // Emitted once the exec succeeded: /proc/PID/exe names the binary from then on.
    await once(child, "spawn");
    const pid = child.pid ?? 0;
    const before = await fileIdentity(bin);
    expect(sameIdentity(await processIdentity(pid), before)).toBe(true);

    copyFileSync("/bin/sleep", `${bin}.new`);
    renameSync(`${bin}.new`, bin);
    expect(sameIdentity(await processIdentity(pid), await fileIdentity(bin))).toBe(false);
    expect(sameIdentity(await processIdentity(pid), before)).toBe(true);
  });

  it("nothing there is never the same", async () => {
    expect(await fileIdentity("/nonexistent/innd")).toBeNull();
    expect(sameIdentity(null, null)).toBe(false);
  });
});
