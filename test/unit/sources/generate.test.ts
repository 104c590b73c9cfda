import { describe, expect, it } from "vitest";
import {
  generateProgram,
  type ProgramParams,
  readTemplate,
  unrollDepth,
  vfsCreateDentryArg,
} from "../../../src/sources/generate.js";

const template = readTemplate();
const gen = (p: Partial<ProgramParams>) =>
  generateProgram(template, { mode: "kprobe", comm: "innd", uid: 9, depth: 12, ...p });

describe("generateProgram", () => {
  it("kprobe mode: both probes, the comm filter, the unroll depth and vfs_create's dentry argument", () => {
    const prog = gen({ vfsCreateDentryArg: "arg1" });
    expect(prog).toContain('kprobe:security_inode_create /comm == "innd" && uid == 9/');
    expect(prog).toContain('kprobe:vfs_create /comm == "innd" && uid == 9/');
    expect(prog).toContain("(struct dentry *)arg1;\n  $ns");
    expect(prog.match(/unroll\(12\)/g)).toHaveLength(2);
    expect(prog).not.toContain("tracepoint:");
    expect(prog).not.toMatch(/__[A-Z_]+__|\/\/@/);
  });

  it("a mode the template has no section for is refused (source names are not listed here)", () => {
    expect(() => gen({ mode: "fanotify" })).toThrow(/no section fanotify/);
  });

  it("kprobe mode with one function", () => {
    const prog = gen({ kprobes: ["security_inode_create"] });
    expect(prog).toContain("kprobe:security_inode_create");
    expect(prog).not.toContain("kprobe:vfs_create");
  });

  it.each([
    ["x86_64", { open: true, creat: true }, ["sys_enter_open ", "sys_exit_open\n"]],
    ["arm64 (no open/creat)", { open: false, creat: false }, []],
  ])("tracepoint mode on %s", (_arch, legacy, present) => {
    const prog = gen({ mode: "tracepoint", legacySyscalls: legacy });
    expect(prog).toContain("tracepoint:syscalls:sys_enter_openat ");
    expect(prog).toContain("tracepoint:syscalls:sys_exit_openat2");
    for (const p of ["sys_enter_open ", "sys_enter_creat", "sys_exit_open\n", "sys_exit_creat"]) {
      expect(prog.includes(p)).toBe(present.includes(p));
    }
    expect(prog).not.toContain("kprobe:");
    expect(prog).not.toMatch(/__[A-Z_]+__|\/\/@/);
  });

  it.each([
    ["kprobe", 2],
    ["tracepoint", 3],
    ["uprobe", 1],
    ["smstore", 1],
  ] as const)("%s mode: every probe filters on innd's uid, not its name alone", (mode, probes) => {
    const prog = gen({
      mode,
      uid: 9,
      innd: "/usr/lib/news/bin/innd",
      libstorage: "/usr/lib/news/libinnstorage.so.3",
    });
    const named = prog.match(/\/comm == "innd"[^/]*\//g) ?? [];
    expect(named).toHaveLength(probes);
    for (const predicate of named) expect(predicate).toBe('/comm == "innd" && uid == 9/');
  });

  it("tracepoint mode keeps only opens that prove a create: a write mode and O_CREAT|O_EXCL", () => {
    const prog = gen({ mode: "tracepoint" });
    const enters = prog.split(/\n(?=tracepoint:)/).filter((b) => b.includes("sys_enter_"));
    expect(enters).toHaveLength(3);
    for (const block of enters) {
      expect(block).toMatch(
        /if \(\(\$?[a-z>-]*flags & 192\) == 192 && \(\$?[a-z>-]*flags & 3\) != 0\)/,
      );
    }
    expect(prog).not.toContain("sys_enter_creat");
  });

  it.each([-1, 1.5, 2 ** 32, Number.NaN])("rejects uid %s", (uid) => {
    expect(() => gen({ uid })).toThrow("uid");
  });

  it.each([
    ['innd" || 1 == 1 || comm == "x', "process name"],
    ["innd\n}", "process name"],
    ["a-very-long-process-name", "process name"],
    ["", "process name"],
  ])("rejects a process name that could inject code: %j", (comm, msg) => {
    expect(() => gen({ comm })).toThrow(msg);
  });

  it.each([3, 101, 7.5, Number.NaN])("rejects unroll depth %s", (depth) => {
    expect(() => gen({ depth })).toThrow("unroll depth");
  });
});

describe("unrollDepth", () => {
  it.each([
    ["/var/spool/news/articles", 2, 4, 4 + 2 + 1 + 4],
    ["/var/spool/news/articles", 9, 4, 18],
    ["/news", 1, 1, 4],
    ["/", 1, 1, 4],
    ["/a/b", 200, 4, 100],
  ])("spool %s, deepest group %i, margin %i → %i", (spool, deepest, margin, want) => {
    expect(unrollDepth(spool, deepest, margin)).toBe(want);
  });
});

describe("vfsCreateDentryArg", () => {
  it.each([
    ["4.19.0-27-amd64", "arg1"],
    ["5.10.0-30-amd64", "arg1"],
    ["5.11.22", "arg1"],
    ["5.12.0", "arg2"],
    ["6.1.0-27-amd64", "arg2"],
    ["6.18.44-fc-v669", "arg2"],
    ["weird", "arg2"],
  ])("%s → %s", (release, arg) => {
    expect(vfsCreateDentryArg(release)).toBe(arg);
  });
});
