import { readFileSync, statSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ElfError, parseElf, readElf } from "../../../src/system/elf.js";
import { storageLibFromMaps } from "../../../src/system/innd-binary.js";

// Real binaries every Debian machine has: node (dynamic, exports N-API) and ldconfig (static-pie).
// innd and libinnstorage themselves are read in test/e2e/innd-binary.test.ts (they need inn2).
const NODE = process.execPath;
// NodeSource's node is one self-contained binary that exports N-API; Debian's own (Debian 13) is a
// small executable whose N-API lives in libnode.so.N (mapped into this process): then that library.
const NAPI = napiExporter(NODE);
const LDCONFIG = "/sbin/ldconfig";

function napiExporter(node: string): string {
  if (statSync(node).size > 10_000_000) return node;
  const maps = readFileSync("/proc/self/maps", "utf8");
  const lib = /\s(\/\S*\/libnode\.so\.\d+)$/m.exec(maps)?.[1];
  if (!lib) throw new Error(`${node} is small and no libnode.so is mapped: where is node's N-API?`);
  return lib;
}

describe("readElf", () => {
  it("a dynamic executable: defined exports, not its undefined references", async () => {
    const elf = await readElf(NODE);
    expect(elf.bits).toBe(64);
    expect(elf.interpreter).toBe(true);
    expect(elf.needed).toContain("libc.so.6");
    const napi = NAPI === NODE ? elf : await readElf(NAPI);
    expect(napi.dynamicFunctions.has("napi_create_object")).toBe(true);
    // node calls malloc (an undefined reference in its .dynsym) but does not define it
    expect(napi.dynamicFunctions.has("malloc")).toBe(false);
  });

  it("a static-pie binary has no exported functions and no interpreter (a real negative)", async () => {
    const elf = await readElf(LDCONFIG);
    expect(elf.interpreter).toBe(false);
    expect(elf.dynamicFunctions.size).toBe(0);
    expect(elf.staticFunctions.size).toBe(0);
    expect(elf.needed).toEqual([]);
  });

  it.each([
    ["/etc/hostname", /not an ELF file/],
    ["/nonexistent/innd", /cannot open .*ENOENT/],
    ["/etc", /not a regular file/],
  ])("%s → ElfError", async (path, why) => {
    await expect(readElf(path)).rejects.toThrow(why);
    await expect(readElf(path)).rejects.toBeInstanceOf(ElfError);
  });

  it("a truncated binary is an ElfError, not a crash", () => {
    const node = readFileSync(NAPI);
    for (const n of [4, 60, 4096, 100_000]) {
      expect(() => parseElf(node.subarray(0, n), "cut")).toThrow(ElfError);
    }
  });

  it("corrupted headers and tables never throw anything but ElfError", () => {
    const ld = readFileSync(LDCONFIG);
    // The first 64 KB hold the ELF header, program headers and .dynsym/.dynstr of most binaries;
    // section headers sit at the end: corrupt both regions.
    const shoff = Number(ld.readBigUInt64LE(40));
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.oneof(fc.nat(4096), fc.integer({ min: shoff, max: ld.length - 1 })),
            fc.integer({ min: 0, max: 255 }),
          ),
          { minLength: 1, maxLength: 8 },
        ),
        (edits) => {
          const b = Buffer.from(ld);
          for (const [at, v] of edits) b[at] = v;
          try {
            parseElf(b, "fuzzed");
          } catch (e) {
            if (!(e instanceof ElfError)) throw e;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("storageLibFromMaps", () => {
  it("finds the mapped libinnstorage (real /proc/PID/maps lines of innd)", () => {
    const maps = [
      "55d0c8a2c000-55d0c8a35000 r--p 00000000 fe:00 1442790                    /usr/lib/news/bin/innd",
      "7fb19f60f000-7fb19f617000 r--p 00000000 fe:00 1442775                    /usr/lib/news/libinnstorage.so.3.1.1",
      "7fb19f617000-7fb19f63b000 r-xp 00008000 fe:00 1442775                    /usr/lib/news/libinnstorage.so.3.1.1",
      "7ffd1c1f7000-7ffd1c218000 rw-p 00000000 00:00 0                          [stack]",
    ].join("\n");
    expect(storageLibFromMaps(maps)).toBe("/usr/lib/news/libinnstorage.so.3.1.1");
    expect(storageLibFromMaps(maps.replace(/\.so\.3\.1\.1/g, ".so.3.1.1 (deleted)"))).toBe(
      "/usr/lib/news/libinnstorage.so.3.1.1",
    );
    expect(
      storageLibFromMaps("7f-7f r--p 0 fe:00 1 /usr/lib/libinnstorage-extra/libc.so.6"),
    ).toBeNull();
    expect(storageLibFromMaps("")).toBeNull();
  });
});
