import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { strlenEnv } from "../../src/sources/bpftrace.js";
import { generateProgram, type ProgramParams, readTemplate } from "../../src/sources/generate.js";
import { requirePrerequisites } from "../helpers/inn.js";

// Every variant the generator can produce, compiled by the real bpftrace against this kernel's BTF
// (--emit-elf: type-checks struct dentry accesses without attaching, so kprobe variants too).
// With BPFTRACE_CHROOT (test/vm/with-chroot.sh trixie ...), the bpftrace of that Debian root compiles
// them instead: Debian 13's 0.23 beside the host's 0.17.
const CHROOT = process.env.BPFTRACE_CHROOT;
const VARIANTS: [string, ProgramParams][] = [
  [
    "kprobe, both probes, vfs_create dentry arg2 (Linux >= 5.12)",
    { mode: "kprobe", comm: "innd", uid: 9, depth: 18, vfsCreateDentryArg: "arg2" },
  ],
  [
    "kprobe, both probes, vfs_create dentry arg1 (Linux < 5.12)",
    { mode: "kprobe", comm: "innd", uid: 9, depth: 18, vfsCreateDentryArg: "arg1" },
  ],
  [
    "kprobe, security_inode_create only",
    { mode: "kprobe", comm: "innd", uid: 9, depth: 4, kprobes: ["security_inode_create"] },
  ],
  [
    "kprobe, vfs_create only, deepest unroll",
    { mode: "kprobe", comm: "innd", uid: 9, depth: 100, kprobes: ["vfs_create"] },
  ],
  [
    "tracepoint, x86_64 syscalls",
    {
      mode: "tracepoint",
      comm: "innd",
      uid: 9,
      depth: 18,
      legacySyscalls: { open: true, creat: true },
    },
  ],
  [
    "tracepoint, openat/openat2 only (arm64)",
    {
      mode: "tracepoint",
      comm: "my-innd_2.7",
      uid: 4_294_967_294,
      depth: 18,
      legacySyscalls: { open: false, creat: false },
    },
  ],
  [
    "uprobe on innd's InndHisWrite",
    { mode: "uprobe", comm: "innd", uid: 9, depth: 4, innd: "/usr/lib/news/bin/innd" },
  ],
  [
    "uprobe, another comm",
    { mode: "uprobe", comm: "my-innd_2.7", uid: 0, depth: 4, innd: "/usr/lib/news/bin/innd" },
  ],
  [
    "smstore: uretprobe on libinnstorage's SMstore",
    {
      mode: "smstore",
      comm: "innd",
      uid: 9,
      depth: 4,
      libstorage: "/usr/lib/news/libinnstorage.so.3",
    },
  ],
];

/** bpftrace, the host's or the chroot's, with paths as it sees them. */
const bpftrace = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(CHROOT ? "chroot" : "bpftrace", CHROOT ? [CHROOT, "bpftrace", ...args] : args, {
    env: { ...process.env, ...env },
    encoding: "utf8",
  });

describe(`generated programs compile with the real bpftrace${CHROOT ? ` in ${CHROOT}` : ""}`, () => {
  // In the chroot, its /tmp is a writable directory of the host (with-chroot.sh).
  const dir = mkdtempSync(join(CHROOT ? join(CHROOT, "tmp") : tmpdir(), "newsnotify-bt-"));
  const inside = (p: string) => (CHROOT ? p.slice(CHROOT.length) : p);
  let version = "";
  beforeAll(() => {
    requirePrerequisites();
    version = bpftrace(["--version"]).stdout.trim();
    console.log(`compiling with ${version}`);
  });

  it.each(VARIANTS)("%s", (name, params) => {
    const file = join(dir, `${name.replace(/\W+/g, "_")}.bt`);
    writeFileSync(file, generateProgram(readTemplate(), params));
    // The string-length variable the way watch sets it for this version: no deprecation warning.
    const r = bpftrace(["--emit-elf", inside(`${file}.o`), inside(file)], strlenEnv(version));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).not.toMatch(/deprecated/i);
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
      uid: 9,
      depth: 4,
      innd: "/sbin/ldconfig",
    };
    writeFileSync(file, generateProgram(readTemplate(), params));
    execFileSync("bpftrace", ["--emit-elf", `${file}.o`, file], { stdio: "pipe" });
  });
});
