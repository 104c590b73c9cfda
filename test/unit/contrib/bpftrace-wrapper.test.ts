/**
 * contrib/sudo/newsnotify-bpftrace, the root-owned wrapper the README puts in sudoers instead of
 * bpftrace: it must pass newsnotify's own invocations (every program the template makes) and refuse
 * what turns `sudo bpftrace` into a root shell. bpftrace is replaced by a script that prints what it
 * was given.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateProgram, readTemplate } from "../../../src/sources/generate.js";

const WRAPPER = new URL("../../../contrib/sudo/newsnotify-bpftrace", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "newsnotify-wrapper-"));
const fake = join(dir, "bpftrace");
writeFileSync(fake, '#!/bin/sh\nprintf "ARG %s\\n" "$@"\nenv | sort | sed "s/^/ENV /"\n');
chmodSync(fake, 0o755);
const wrapper = join(dir, "newsnotify-bpftrace");
const text = readFileSync(WRAPPER, "utf8");
expect(text).toContain("\nBPFTRACE=/usr/bin/bpftrace\n");
writeFileSync(wrapper, text.replace("\nBPFTRACE=/usr/bin/bpftrace\n", `\nBPFTRACE=${fake}\n`));
chmodSync(wrapper, 0o755);

/** What newsnotify sets (src/sources/bpftrace.ts), plus what a caller might smuggle in. */
const ENV = {
  PATH: "/tmp/evil:/usr/bin:/bin",
  BPFTRACE_MAX_STRLEN: "200",
  BPFTRACE_PERF_RB_PAGES: "1024",
  __BPFTRACE_NOTIFY_PROBES_ATTACHED: "1",
  BPFTRACE_BTF: "/tmp/evil.btf",
  // (LD_PRELOAD and the like: sudo removes them before the wrapper runs.)
};

function run(args: string[], env: Record<string, string> = ENV) {
  const r = spawnSync(wrapper, args, { env, encoding: "utf8" });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

const template = readTemplate();
const PROGRAMS = [
  generateProgram(template, { mode: "kprobe", comm: "innd", uid: 9, depth: 18 }),
  generateProgram(template, {
    mode: "tracepoint",
    comm: "innd",
    uid: 9,
    depth: 8,
    legacySyscalls: { open: true, creat: true },
  }),
  generateProgram(template, {
    mode: "uprobe",
    comm: "innd",
    uid: 9,
    depth: 4,
    innd: "/usr/lib/news/bin/innd",
  }),
];

describe("newsnotify-bpftrace (the sudo wrapper)", () => {
  it("passes --version", () => {
    const r = run(["--version"]);
    expect(r.status, r.err).toBe(0);
    expect(r.out).toContain("ARG --version\n");
  });

  it.each(PROGRAMS.map((p, i) => [i, p]))(
    "passes newsnotify's program %i as is, with a clean environment",
    (_i, program) => {
      const r = run(["-f", "json", "-e", program]);
      expect(r.status, r.err).toBe(0);
      expect(r.out).toContain(`ARG -f\nARG json\nARG -e\nARG ${program}\n`);
      const env = r.out
        .split("\n")
        .filter((l) => l.startsWith("ENV "))
        .map((l) => l.slice(4).split("=")[0])
        // The fake bpftrace's own shell sets PWD.
        .filter((name) => name !== "PWD");
      expect(env.sort()).toEqual([
        "BPFTRACE_MAX_STRLEN",
        "BPFTRACE_PERF_RB_PAGES",
        "LANG",
        "PATH",
        "__BPFTRACE_NOTIFY_PROBES_ATTACHED",
      ]);
      expect(r.out).toContain("ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin\n");
    },
  );

  it.each([
    ["a command as root", ["-c", "/bin/sh", "-e", "BEGIN {}"]],
    ["--unsafe", ["--unsafe", "-f", "json", "-e", 'BEGIN { system("sh"); }']],
    ["an output file", ["-o", "/etc/passwd", "-e", "BEGIN {}"]],
    ["extra arguments", ["-f", "json", "-e", "BEGIN {}", "-c", "sh"]],
    ["another format", ["-f", "text", "-e", "BEGIN {}"]],
    ["system()", ["-f", "json", "-e", 'BEGIN { system ("id"); }']],
    ["system() behind a comment", ["-f", "json", "-e", 'BEGIN { system /* x */ ("id"); }']],
    ["cat()", ["-f", "json", "-e", 'BEGIN { cat("/etc/shadow"); }']],
    ["signal()", ["-f", "json", "-e", "kprobe:f { signal(9); }"]],
    ["override()", ["-f", "json", "-e", "kprobe:f { override(0); }"]],
    ["#include", ["-f", "json", "-e", '#include "/etc/shadow"\nBEGIN {}']],
    ["a config block", ["-f", "json", "-e", "config = { unsafe = 1 }\nBEGIN {}"]],
    ["nothing", []],
  ])("refuses %s", (_name, args) => {
    const r = run(args);
    expect(r.status).toBe(64);
    expect(r.err).toMatch(/^newsnotify-bpftrace: refused: /);
    expect(r.out).toBe("");
  });

  it("refuses a non-numeric BPFTRACE_ variable", () => {
    const r = run(["--version"], { ...ENV, BPFTRACE_PERF_RB_PAGES: "1; id" });
    expect(r.status).toBe(64);
    expect(r.out).toBe("");
  });
});
