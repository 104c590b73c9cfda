import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readElf } from "../../src/system/elf.js";
import { inndBinaryFacts } from "../../src/system/innd-binary.js";
import { ownInnd } from "../../src/system/innd-process.js";
import { ensureInnd, INNBIN, requirePrerequisites } from "../helpers/inn.js";

const INND = `${INNBIN}/innd`;
const LIB = "/usr/lib/news/libinnstorage.so.3";

const newsUid = () => Number(execFileSync("id", ["-u", "news"], { encoding: "utf8" }).trim());

/** A /proc look-alike whose process `pid` runs `exe` with `maps`. */
function fakeProc(exe: string, maps: string): string {
  const dir = mkdtempSync(join(tmpdir(), "nn-proc-"));
  mkdirSync(join(dir, "4242"));
  symlinkSync(exe, join(dir, "4242", "exe"));
  writeFileSync(join(dir, "4242", "maps"), maps);
  return dir;
}

describe("innd's binary, read as ELF (the real inn2 package)", () => {
  beforeAll(() => {
    requirePrerequisites();
    ensureInnd();
  });

  it("innd defines InndHisWrite; SMstore is only an undefined reference in it", async () => {
    const elf = await readElf(INND);
    expect(elf.dynamicFunctions.has("InndHisWrite")).toBe(true);
    expect(elf.dynamicFunctions.has("SMstore")).toBe(false);
    expect(elf.needed).toContain("libinnstorage.so.3");
    expect(elf.runpath).toEqual(["/usr/lib/news"]);
    expect((await readElf(LIB)).dynamicFunctions.has("SMstore")).toBe(true);
  });

  it("from the running innd: its binary and the libinnstorage it mapped", async () => {
    const own = await ownInnd("/run/news", { comm: "innd", uid: newsUid(), pathbin: INNBIN });
    if (!own.ok) throw new Error(own.reason);
    expect(await inndBinaryFacts({ pids: [own.pid] })).toEqual({
      path: INND,
      hisWrite: true,
      storageLib: expect.stringMatching(/^\/usr\/lib\/news\/libinnstorage\.so\.3/),
      smStore: true,
    });
  });

  it("with no innd of INN's own: no binary is read (none found by name), and what to do", async () => {
    const facts = await inndBinaryFacts({ pids: [], notRunning: "/run/news/innd.pid is missing" });
    expect(facts).toMatchObject({ path: null, hisWrite: false, smStore: false });
    expect(facts.problem).toMatch(
      /innd\.pid is missing: .*Start INN \(rc\.news\), or use mode: tracepoint/,
    );
  });

  it("a process named innd run by another user is not INN's innd, even from INN's binary", async () => {
    const own = await ownInnd("/run/news", { comm: "innd", uid: newsUid() + 1, pathbin: INNBIN });
    expect(own).toEqual({
      ok: false,
      reason: expect.stringMatching(/runs as uid \d+, not INN's user/),
    });
  });

  it("a custom innd without InndHisWrite whose libinnstorage has SMstore: the fallback", async () => {
    const proc = fakeProc(process.execPath, `7f-7f r--p 0 fe:00 1    ${LIB}\n`);
    expect(await inndBinaryFacts({ proc, pids: [4242] })).toEqual({
      path: process.execPath,
      hisWrite: false,
      storageLib: LIB,
      smStore: true,
    });
  });

  it("a static, stripped innd: neither, and a problem that says why", async () => {
    const proc = fakeProc("/sbin/ldconfig", "");
    const facts = await inndBinaryFacts({ proc, pids: [4242] });
    expect(facts).toMatchObject({ path: "/sbin/ldconfig", hisWrite: false, smStore: false });
    expect(facts.problem).toMatch(/statically linked and has no symbols InndHisWrite or SMstore/);
  });

  it("a process whose /proc entry vanished: no binary, saying why", async () => {
    const facts = await inndBinaryFacts({ proc: "/nonexistent", pids: [4242] });
    expect(facts).toMatchObject({ path: null, hisWrite: false, smStore: false });
    expect(facts.problem).toMatch(/cannot read \/nonexistent\/4242\/exe: ENOENT/);
  });
});
