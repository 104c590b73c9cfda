import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generateProgram, type ProgramParams, readTemplate } from "../../src/sources/generate.js";
import { requirePrerequisites } from "../helpers/inn.js";

// Every variant the generator can produce, compiled by the real bpftrace against this kernel's BTF
// (--emit-elf: type-checks struct dentry accesses without attaching, so kprobe variants too).
const VARIANTS: [string, ProgramParams][] = [
  [
    "kprobe, both probes, vfs_create dentry arg2 (Linux >= 5.12)",
    { mode: "kprobe", comm: "innd", depth: 18, vfsCreateDentryArg: "arg2" },
  ],
  [
    "kprobe, both probes, vfs_create dentry arg1 (Linux < 5.12)",
    { mode: "kprobe", comm: "innd", depth: 18, vfsCreateDentryArg: "arg1" },
  ],
  [
    "kprobe, security_inode_create only",
    { mode: "kprobe", comm: "innd", depth: 4, kprobes: ["security_inode_create"] },
  ],
  [
    "kprobe, vfs_create only, deepest unroll",
    { mode: "kprobe", comm: "innd", depth: 100, kprobes: ["vfs_create"] },
  ],
  [
    "tracepoint, x86_64 syscalls",
    { mode: "tracepoint", comm: "innd", depth: 18, legacySyscalls: { open: true, creat: true } },
  ],
  [
    "tracepoint, openat/openat2 only (arm64)",
    {
      mode: "tracepoint",
      comm: "my-innd_2.7",
      depth: 18,
      legacySyscalls: { open: false, creat: false },
    },
  ],
  [
    "uprobe on innd's InndHisWrite",
    { mode: "uprobe", comm: "innd", depth: 4, innd: "/usr/lib/news/bin/innd" },
  ],
  [
    "uprobe, another comm",
    { mode: "uprobe", comm: "my-innd_2.7", depth: 4, innd: "/usr/lib/news/bin/innd" },
  ],
  [
    "smstore: uretprobe on libinnstorage's SMstore",
    { mode: "smstore", comm: "innd", depth: 4, libstorage: "/usr/lib/news/libinnstorage.so.3" },
  ],
];

describe("generated programs compile with the real bpftrace", () => {
  const dir = mkdtempSync(join(tmpdir(), "newsnotify-bt-"));
  beforeAll(() => requirePrerequisites());

  it.each(VARIANTS)("%s", (name, params) => {
    const file = join(dir, `${name.replace(/\W+/g, "_")}.bt`);
    writeFileSync(file, generateProgram(readTemplate(), params));
    const out = execFileSync("bpftrace", ["--emit-elf", `${file}.o`, file], {
      env: { ...process.env, BPFTRACE_STRLEN: "200" },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    expect(out).toBe("");
    const elf = execFileSync("head", ["-c", "4", `${file}.o`]);
    expect(elf.subarray(1, 4).toString()).toBe("ELF");
  });

  it("--emit-elf does not resolve a uprobe's symbol: that check is system/innd-binary.ts's", () => {
    // bpftrace 0.17 looks the symbol up only when it attaches; a program on a binary without
    // InndHisWrite compiles. So doctor and auto read the ELF symbols, and do not trust a compile.
    const file = join(dir, "missing-symbol.bt");
    const params: ProgramParams = {
      mode: "uprobe",
      comm: "innd",
      depth: 4,
      innd: "/sbin/ldconfig",
    };
    writeFileSync(file, generateProgram(readTemplate(), params));
    execFileSync("bpftrace", ["--emit-elf", `${file}.o`, file], { stdio: "pipe" });
  });
});
