/**
 * The CLI as users meet it: help, errors that say what to do and their exit codes, doctor, script
 * and test-hook. Spawns bin/newsnotify (the built CLI), so it needs `npm run build` first.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { requirePrerequisites } from "../helpers/inn.js";

const BIN = new URL("../../bin/newsnotify", import.meta.url).pathname;
const FIXTURE = new URL("../../fixtures/articles/crosspost.wire", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "newsnotify-cli-"));
const cfg = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};
const run = (args: string[], opts: { uid?: number } = {}) =>
  execa(BIN, args, { reject: false, stdin: "ignore", timeout: 60_000, ...opts });

describe("newsnotify CLI", () => {
  beforeAll(() => requirePrerequisites());

  it("--help lists every command", async () => {
    const r = await run(["--help"]);
    expect(r.exitCode).toBe(0);
    for (const c of ["watch", "test-hook", "doctor", "script"]) expect(r.stdout).toContain(c);
  });

  it.each([
    [["watch", "--bogus"], /unknown option '--bogus'/],
    [["nope"], /unknown command 'nope'/],
    [["script", "--depth", "200"], /integer from 4 to 100/],
  ])("usage error %j: says what, exit 2", async (args, message) => {
    const r = await run(args);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it("a broken config: every problem at once, named by file and key, exit 2", async () => {
    const file = cfg(
      "broken.yaml",
      "mode: kporbe\nprocess: 'innd\"; system(\"x'\ndepthMagrin: 3\nnotifiers:\n  - type: webhook\n    url: ftp://x\n",
    );
    const r = await run(["watch", "--config", file]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${file}: mode:`);
    expect(r.stderr).toContain(`${file}: process:`);
    expect(r.stderr).toContain(`${file}: depthMagrin: unknown key`);
    expect(r.stderr).toContain(`${file}: notifiers.0.url:`);
  });

  it("a missing config file says so", async () => {
    const r = await run(["doctor", "--config", join(dir, "nope.yaml")]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/nope\.yaml: cannot read: ENOENT/);
  });

  it("bpftrace missing: what to install, exit 3", async () => {
    const r = await run([
      "watch",
      "--config",
      cfg("nobpf.yaml", "bpftrace: [/nonexistent/bpftrace]\n"),
    ]);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/apt-get install bpftrace/);
  });

  it("not root: how to run it, exit 4", async () => {
    const r = await run(["watch"], { uid: 65534 });
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toMatch(/needs root/);
  });

  it("doctor names the mode it would use and why", async () => {
    const r = await run(["doctor"]);
    expect(r.stdout).toMatch(/^mode\s+(kprobe|tracepoint) \(.+\)$/m);
    expect(r.stdout).toMatch(/^bpftrace\s+bpftrace v0\.\d+/m);
    expect(r.stdout).toMatch(/^storage methods\s+tradspool/m);
  });

  it.each(["kprobe", "tracepoint"])("script --mode %s prints a program", async (mode) => {
    const r = await run(["script", "--mode", mode, "--depth", "9"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`mode=${mode} comm=innd uid=\\d+ depth=9`));
  });

  it("test-hook: a dry run shows the payload and sends nothing", async () => {
    const file = cfg(
      "hook.yaml",
      "notifiers:\n  - type: webhook\n    url: http://127.0.0.1:9/never\n",
    );
    const r = await run(["test-hook", FIXTURE, "--config", file]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('"newsgroups": [');
    expect(r.stdout).toMatch(/dry run: nothing sent/);
  });

  it("test-hook reads as watch does (storage/load.ts): a FIFO is refused, not waited on", async () => {
    const file = cfg("hook-fifo.yaml", "notifiers:\n  - type: stdout\n");
    const fifo = join(mkdtempSync(join(tmpdir(), "newsnotify-fifo-")), "article");
    await execa("mkfifo", [fifo]);
    const r = await execa(BIN, ["test-hook", fifo, "--config", file], {
      reject: false,
      stdin: "ignore",
      timeout: 20_000,
    });
    expect(r.timedOut, "test-hook waited on the FIFO").toBe(false);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/cannot read .*article: not a regular file/);
  });
});
