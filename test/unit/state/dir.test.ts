/** The state directory is checked the way ssh's StrictModes checks ~/.ssh, before anything is written. */
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { prepareStateDir } from "../../../src/state/dir.js";
import { StateError } from "../../../src/util/errors.js";

const fresh = () => mkdtempSync(join(tmpdir(), "newsnotify-dir-"));
const NOBODY = 65534;

async function refused(dir: string, why: RegExp): Promise<void> {
  const e = await prepareStateDir(dir).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(StateError);
  expect((e as StateError).exitCode).toBe(5);
  expect((e as Error).message).toMatch(why);
}

describe("prepareStateDir", () => {
  it("creates a missing one 0700 and returns its real path", async () => {
    const dir = join(fresh(), "a", "state");
    expect(await prepareStateDir(dir)).toBe(dir);
    expect(statSync(dir).mode & 0o7777).toBe(0o700);
  });

  it("a symlink to /etc is refused and nothing is written there", async () => {
    const before = readdirSync("/etc").sort();
    const link = join(fresh(), "state");
    symlinkSync("/etc", link);
    await refused(link, /its target \/etc holds files that are not newsnotify's/);
    expect(readdirSync("/etc").sort()).toEqual(before);
  });

  it.each([
    [0o777, /writable by others \(mode 0777\)/],
    [0o1777, /writable by others \(mode 01777\)/],
    [0o770, /writable by its group/],
  ])("an existing directory of mode %o is refused", async (mode, why) => {
    const dir = join(fresh(), "state");
    mkdirSync(dir);
    chmodSync(dir, mode);
    await refused(dir, why);
    expect(statSync(dir).mode & 0o7777).toBe(mode);
  });

  it("one owned by another user is refused, and so is a symlink to one", async () => {
    const dir = join(fresh(), "state");
    mkdirSync(dir, { mode: 0o700 });
    chownSync(dir, NOBODY, NOBODY);
    await refused(dir, /belongs to uid 65534/);
    const link = join(fresh(), "link");
    symlinkSync(dir, link);
    await refused(link, new RegExp(`its target ${dir} belongs to uid 65534`));
  });

  it("a parent others may write without the sticky bit is refused", async () => {
    const parent = join(fresh(), "open");
    mkdirSync(parent);
    chmodSync(parent, 0o777);
    await refused(join(parent, "state"), /its parent .*open is writable by others/);
  });

  it("an existing one of ours that others may read becomes 0700, with a log line", async () => {
    const dir = join(fresh(), "state");
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, "highwater.json"), "{}");
    const lines: string[] = [];
    await prepareStateDir(dir, { log: (_l, m) => lines.push(m) });
    expect(statSync(dir).mode & 0o7777).toBe(0o700);
    expect(lines.join("\n")).toMatch(/was mode 0755; now 0700/);
  });
});
