import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readElf } from "../../src/system/elf.js";
import { requirePrerequisites } from "../helpers/inn.js";

// scripts/uprobe-sections.bt.txt's sections (to be pasted into trace.bt), each compiled by the real
// bpftrace against the real innd and libinnstorage (--emit-elf resolves the uprobe's symbol).
const SECTIONS = readFileSync(
  new URL("../../scripts/uprobe-sections.bt.txt", import.meta.url),
  "utf8",
);

function section(name: string): string {
  const m = new RegExp(`//@section ${name}\\n([\\s\\S]*?)//@end`).exec(SECTIONS);
  if (!m?.[1]) throw new Error(`no section ${name} in uprobe-sections.bt.txt`);
  return m[1];
}

const INND = "/usr/lib/news/bin/innd";
const LIB = "/usr/lib/news/libinnstorage.so.3";

describe("uprobe sections compile with the real bpftrace", () => {
  const dir = mkdtempSync(join(tmpdir(), "newsnotify-uprobe-"));
  beforeAll(() => requirePrerequisites());

  it.each([
    ["uprobe", "innd", 200],
    ["uprobe", "my-innd_2.7", 64],
    ["smstore", "innd", 200],
  ] as const)("%s, comm %s, strlen %d", async (name, comm, strlen) => {
    const file = join(dir, `${name}-${strlen}.bt`);
    writeFileSync(
      file,
      `interval:s:5\n{\n  printf("H %llu\\n", nsecs);\n}\n${section(name)}`
        .replaceAll("__COMM__", comm)
        .replaceAll("__INND__", INND)
        .replaceAll("__LIBSTORAGE__", LIB),
    );
    const out = execFileSync("bpftrace", ["--emit-elf", `${file}.o`, file], {
      env: { ...process.env, BPFTRACE_STRLEN: String(strlen) },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    expect(out).toBe("");
    // a BPF object: ELF64 with the probe's program section
    const elf = await readElf(`${file}.o`);
    expect(elf.bits).toBe(64);
  });

  it("--emit-elf does not resolve a uprobe's symbol: that check is system/innd-binary.ts's", () => {
    // bpftrace 0.17 looks the symbol up only when it attaches; a program on a binary without
    // InndHisWrite compiles. So `doctor` and auto must read the ELF symbols, not trust a compile.
    const file = join(dir, "missing.bt");
    writeFileSync(
      file,
      section("uprobe").replaceAll("__COMM__", "innd").replaceAll("__INND__", "/sbin/ldconfig"),
    );
    execFileSync("bpftrace", ["--emit-elf", `${file}.o`, file], { stdio: "pipe" });
  });
});
