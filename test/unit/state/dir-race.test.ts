/**
 * Creating the state directory under a world-writable sticky parent (/tmp) while someone plants a
 * symlink where it is about to be made: the attacker wins the race here on purpose (mkdir is wrapped
 * to plant the link just before it runs). The symlink's target, a directory of the running user's,
 * must come out unchanged.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";

const plant = vi.hoisted(() => ({ at: "", target: "", afterLstat: false }));

vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs/promises")>();
  const { symlinkSync } = await import("node:fs");
  return {
    ...real,
    // With afterLstat: planted right after the first look found nothing.
    lstat: async (path: string) => {
      try {
        return await real.lstat(path);
      } finally {
        if (plant.afterLstat && plant.at !== "" && path === plant.at) {
          symlinkSync(plant.target, plant.at);
          plant.at = "";
        }
      }
    },
    mkdir: async (path: string, options?: unknown) => {
      if (plant.at !== "" && String(path).endsWith(`/${basename(plant.at)}`)) {
        symlinkSync(plant.target, plant.at);
        plant.at = "";
      }
      return real.mkdir(path, options as Parameters<typeof real.mkdir>[1]);
    },
  };
});

const { prepareStateDir } = await import("../../../src/state/dir.js");

afterEach(() => {
  Object.assign(plant, { at: "", target: "", afterLstat: false });
});

describe("prepareStateDir, racing a planted symlink", () => {
  it("refuses, and leaves the symlink's target as it was", async () => {
    const sticky = mkdtempSync(join(tmpdir(), "newsnotify-race-"));
    chmodSync(sticky, 0o1777);
    const victim = mkdtempSync(join(tmpdir(), "newsnotify-victim-"));
    chmodSync(victim, 0o755);
    const dir = join(sticky, "state");
    Object.assign(plant, { at: dir, target: victim });
    const e = await prepareStateDir(dir).catch((x: unknown) => x);
    expect(plant.at).toBe(""); // the link was planted
    expect(String(e)).toMatch(/refusing the state directory .*state: state turned into a symlink/);
    expect(statSync(victim).mode & 0o7777).toBe(0o755);
    expect(readdirSync(victim)).toEqual([]);
  });

  it("a symlink that appears before anything is created is checked like any existing one", async () => {
    const sticky = mkdtempSync(join(tmpdir(), "newsnotify-race-"));
    chmodSync(sticky, 0o1777);
    const victim = mkdtempSync(join(tmpdir(), "newsnotify-victim-"));
    chmodSync(victim, 0o775);
    const dir = join(sticky, "state");
    Object.assign(plant, { at: dir, target: victim, afterLstat: true });
    const e = await prepareStateDir(dir).catch((x: unknown) => x);
    expect(plant.at).toBe("");
    expect(String(e)).toMatch(/its target .* is writable by its group/);
    expect(statSync(victim).mode & 0o7777).toBe(0o775);
  });

  it("still creates missing parents and the directory 0700 when nobody races", async () => {
    const top = mkdtempSync(join(tmpdir(), "newsnotify-race-"));
    const dir = join(top, "a", "b", "state");
    expect(await prepareStateDir(dir)).toBe(dir);
    for (const d of [join(top, "a"), join(top, "a", "b"), dir])
      expect(statSync(d).mode & 0o7777).toBe(0o700);
  });

  it("takes an existing directory of its own, made 0700", async () => {
    const sticky = mkdtempSync(join(tmpdir(), "newsnotify-race-"));
    chmodSync(sticky, 0o1777);
    const dir = join(sticky, "state");
    mkdirSync(dir, 0o755);
    expect(await prepareStateDir(dir)).toBe(dir);
    expect(statSync(dir).mode & 0o7777).toBe(0o700);
  });
});
