/** The pid lock: held only by a live `newsnotify watch` on the same state directory. */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isWatch, lockStateDir, startTime } from "../../../src/state/lock.js";

const fresh = () => mkdtempSync(join(tmpdir(), "newsnotify-lock-"));
const kids: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const k of kids.splice(0)) k.kill("SIGKILL");
});

/** A live process whose command line reads like `newsnotify watch`. */
async function fakeWatch(): Promise<number> {
  const kid = spawn(
    process.execPath,
    ["-e", "setInterval(() => {}, 1000)", "/opt/newsnotify/bin/newsnotify", "watch"],
    { stdio: "ignore" },
  );
  kids.push(kid);
  await new Promise((r) => kid.once("spawn", r));
  return kid.pid as number;
}

describe("lockStateDir", () => {
  it("a live pid that is not newsnotify (echo 1 > watch.pid) does not block the start", async () => {
    const dir = fresh();
    writeFileSync(join(dir, "watch.pid"), "1\n");
    const unlock = await lockStateDir(dir);
    expect(readFileSync(join(dir, "watch.pid"), "utf8").split("\n")[0]).toBe(String(process.pid));
    await unlock();
  });

  it("a live newsnotify watch on this directory holds it", async () => {
    const dir = fresh();
    const pid = await fakeWatch();
    writeFileSync(join(dir, "watch.pid"), `${pid}\n${await startTime(pid)}\n${dir}\n`);
    await expect(lockStateDir(dir)).rejects.toThrow(
      new RegExp(`another newsnotify watch \\(pid ${pid}\\) uses the state directory`),
    );
  });

  it("the same watch named with another directory, or another start time (a reused pid), does not", async () => {
    const pid = await fakeWatch();
    const start = await startTime(pid);
    for (const content of [`${pid}\n${start}\n/elsewhere\n`, `${pid}\n${Number(start) + 1}\n`]) {
      const dir = fresh();
      writeFileSync(join(dir, "watch.pid"), content.replace("/elsewhere", "/elsewhere"));
      const unlock = await lockStateDir(dir);
      await unlock();
    }
  });

  it("writes pid, start time and directory", async () => {
    const dir = fresh();
    const unlock = await lockStateDir(dir);
    expect(readFileSync(join(dir, "watch.pid"), "utf8")).toBe(
      `${process.pid}\n${await startTime(process.pid)}\n${dir}\n`,
    );
    await unlock();
  });
});

describe("isWatch", () => {
  it.each([
    [
      ["node", "--max-semi-space-size=2", "/opt/newsnotify/bin/newsnotify", "watch", "-c", "x"],
      true,
    ],
    [["node", "/usr/bin/newsnotify", "watch"], true],
    [["node", "/usr/bin/newsnotify", "feed", "-c", "/etc/newsnotify/feed.yaml"], true],
    [["node", "/usr/bin/newsnotify", "doctor"], false],
    [["/sbin/init", "watch"], false],
    [["vim", "newsnotify.yaml", "watch"], false],
  ])("%j → %s", (argv, want) => expect(isWatch(argv)).toBe(want));
});
