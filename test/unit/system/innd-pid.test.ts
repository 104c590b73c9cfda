import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { InndPidFile } from "../../../src/system/innd-process.js";

it("only the innd its pid file names is ours; a restart is followed, a stranger is not", async () => {
  const dir = mkdtempSync(join(tmpdir(), "newsnotify-pid-"));
  const file = join(dir, "innd.pid");
  let now = 0;
  const slept: number[] = [];
  const pids = new InndPidFile(
    file,
    () => now,
    async (ms) => {
      slept.push(ms);
      now += ms;
    },
  );
  writeFileSync(file, "100\n");
  expect(await pids.isOurs(100)).toBe(true);
  expect(await pids.isOurs(200)).toBe(false); // another instance of the binary
  expect(slept).toEqual([1000]); // read at most once a second
  writeFileSync(file, "300\n"); // innd restarted
  now = 1500;
  // Within a second of the last read: waits for the next read, then is ours.
  expect(await pids.isOurs(300)).toBe(true);
  expect(slept).toEqual([1000, 500]);
  expect(await pids.isOurs(100)).toBe(false);
  rmSync(file);
  now = 5000;
  expect(await pids.isOurs(400)).toBe(true); // no pid file: the kernel's uid filter decided
});
