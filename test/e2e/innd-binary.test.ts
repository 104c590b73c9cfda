import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readElf } from "../../src/system/elf.js";
import { inndBinaryFacts } from "../../src/system/innd-binary.js";
import { ensureInnd, INNBIN, requirePrerequisites } from "../helpers/inn.js";

const INND = `${INNBIN}/innd`;
const LIB = "/usr/lib/news/libinnstorage.so.3";

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
    expect(await inndBinaryFacts()).toEqual({
      path: INND,
      hisWrite: true,
      storageLib: expect.stringMatching(/^\/usr\/lib\/news\/libinnstorage\.so\.3/),
      smStore: true,
    });
  });

  it("with no innd running: INN's path, and libinnstorage through DT_NEEDED and the runpath", async () => {
    expect(await inndBinaryFacts({ pids: [] })).toEqual({
      path: INND,
      hisWrite: true,
      storageLib: LIB,
      smStore: true,
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

  it("a process whose /proc entry vanished falls back to INN's paths, saying so", async () => {
    const facts = await inndBinaryFacts({ proc: "/nonexistent", pids: [4242] });
    expect(facts).toMatchObject({ path: INND, hisWrite: true, smStore: true });
    expect(facts.problem).toMatch(/cannot read \/nonexistent\/4242\/exe: ENOENT/);
  });
});
