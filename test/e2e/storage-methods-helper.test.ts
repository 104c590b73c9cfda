import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requirePrerequisites } from "../helpers/inn.js";
import {
  BACKUP_SUFFIX,
  inndRunning,
  restoreOnExit,
  restoreStorageMethods,
  useStorageMethods,
} from "../helpers/storage-methods.js";

// The helper other e2e tests lean on: a run that crashed halfway is undone by the next one (in
// another process), restore is idempotent, and INN's files come back byte for byte.
const etc = "/etc/news";
const sha = (p: string) => createHash("sha256").update(readFileSync(p)).digest("hex");
const root = new URL("../..", import.meta.url).pathname;

describe("test/helpers/storage-methods.ts", () => {
  const before = { storage: "", cycbuff: "", innd: false };
  beforeAll(() => {
    requirePrerequisites();
    restoreOnExit();
    restoreStorageMethods();
    before.storage = sha(`${etc}/storage.conf`);
    before.cycbuff = sha(`${etc}/cycbuff.conf`);
    before.innd = inndRunning();
  });
  afterAll(() => {
    restoreStorageMethods();
  });

  const leftAsFound = () => {
    expect(sha(`${etc}/storage.conf`)).toBe(before.storage);
    expect(sha(`${etc}/cycbuff.conf`)).toBe(before.cycbuff);
    expect(readdirSync(etc).filter((f) => f.includes("newsnotify-e2e"))).toEqual([]);
    expect(inndRunning()).toBe(before.innd);
  };

  it("a setup left behind (a crashed run) is undone by another process", () => {
    useStorageMethods();
    expect(readFileSync(`${etc}/storage.conf`, "utf8")).toMatch(/method cnfs/);
    expect(existsSync(`${etc}/storage.conf${BACKUP_SUFFIX}`)).toBe(true);
    const script = `${root}test/helpers/restore-storage-methods.ts`;
    const out = execFileSync("npx", ["vite-node", script], { cwd: root, encoding: "utf8" });
    expect(out).toMatch(/restored: true/);
    leftAsFound();
    expect(restoreStorageMethods()).toBe(false);
  });

  it("a crash before the state file was written: the backups alone are enough", () => {
    copyFileSync(`${etc}/storage.conf`, `${etc}/storage.conf${BACKUP_SUFFIX}`);
    writeFileSync(`${etc}/storage.conf`, "method tradspool { newsgroups: half-written\n");
    expect(restoreStorageMethods()).toBe(true);
    leftAsFound();
  });
});
