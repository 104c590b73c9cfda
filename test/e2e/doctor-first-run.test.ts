/**
 * The admin's first run: `doctor` on a machine that lacks a piece (INN, bpftrace, tracefs, root)
 * prints every line it can and marks the missing piece with what to do; and every command reads
 * /etc/newsnotify/newsnotify.yaml when no --config is given, saying so. Real commands in real
 * states: a private mount (and pid) namespace hides INN or unmounts tracefs for the child only, a
 * PATH without bpftrace, setpriv for an unprivileged user. The one change to the machine (the
 * default config file) is undone even on failure.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureInnd, requirePrerequisites } from "../helpers/inn.js";

const BIN = new URL("../../bin/newsnotify", import.meta.url).pathname;
const FIXTURE = new URL("../../fixtures/articles/crosspost.wire", import.meta.url).pathname;
const TRACEFS = "/sys/kernel/tracing";

/** Every line doctor prints, whatever is missing (storage.conf classes come and go with INN). */
const KEYS = [
  "config",
  "kernel",
  "bpftrace",
  "kprobes",
  "kprobe functions",
  "lockdown",
  "BTF",
  "tracefs",
  "running as root",
  "innd",
  "INN paths from",
  "spool",
  "active file",
  "storage methods",
  "source kprobe",
  "source tracepoint",
  "source uprobe",
  "mode",
  "unroll depth",
  "catch-up NNTP",
];

/** The value of doctor's `key` line (null when it has none). */
const line = (stdout: string, key: string) =>
  new RegExp(`^${key}\\s{2,}(.*)$`, "m").exec(stdout)?.[1] ?? null;

function expectEveryLine(stdout: string): void {
  const missing = KEYS.filter((k) => line(stdout, k) === null);
  expect(missing, stdout).toEqual([]);
}

const sh = (script: string, opts: { env?: Record<string, string> } = {}) =>
  execa("sh", ["-c", script], { reject: false, stdin: "ignore", timeout: 120_000, ...opts });

describe("doctor on a machine missing a piece: every line, the missing one marked with what to do", () => {
  beforeAll(() => {
    requirePrerequisites();
    ensureInnd();
    if (!existsSync(`${TRACEFS}/events`))
      throw new Error(`tracefs must be mounted here first: mount -t tracefs tracefs ${TRACEFS}`);
  });

  it("INN absent (its directories hidden in a private mount namespace, no innd in its pid namespace)", async () => {
    const empty = mkdtempSync(join(tmpdir(), "newsnotify-noinn-"));
    const hide = ["/usr/lib/news", "/etc/news", "/var/spool/news", "/var/lib/news", "/run/news"]
      .map((d) => `mount --bind ${empty} ${d}`)
      .join(" && ");
    const r = await execa(
      "unshare",
      [
        "-m",
        "-p",
        "-f",
        "--mount-proc",
        "sh",
        "-c",
        `${hide} && test ! -e /usr/lib/news/bin/innconfval && exec ${BIN} doctor`,
      ],
      { reject: false, stdin: "ignore", timeout: 120_000 },
    );
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(r.exitCode, r.stderr).toBe(1);
    expectEveryLine(r.stdout);
    expect(line(r.stdout, "INN paths from")).toMatch(
      /^built-in defaults \(innconfval not found\)\s+-> to do: install INN \(apt-get install inn2\)/,
    );
    expect(line(r.stdout, "spool")).toMatch(/NOT READABLE\)\s+-> to do: install INN/);
    expect(line(r.stdout, "innd")).toMatch(/^not running .*-> to do: start INN/);
    // What INN does not decide is still there.
    expect(line(r.stdout, "bpftrace")).toMatch(/^bpftrace v0\.\d+/);
    expect(line(r.stdout, "tracefs")).toBe("mounted");
    expect(r.stdout).toMatch(/^PROBLEM: spool: .*install INN/m);
    // The machine's own INN was never touched.
    expect(existsSync("/usr/lib/news/bin/innconfval")).toBe(true);
  });

  it("bpftrace absent (a PATH with node and nothing else)", async () => {
    const bin = mkdtempSync(join(tmpdir(), "newsnotify-path-"));
    symlinkSync(process.execPath, join(bin, "node"));
    const r = await execa(BIN, ["doctor"], {
      reject: false,
      stdin: "ignore",
      timeout: 120_000,
      env: { PATH: bin },
      extendEnv: false,
    });
    expect(r.exitCode, r.stderr).toBe(1);
    expectEveryLine(r.stdout);
    expect(line(r.stdout, "bpftrace")).toMatch(/^NOT FOUND .*-> to do: apt-get install bpftrace/);
    expect(line(r.stdout, "spool")).toMatch(/^\/\S+$/);
    expect(r.stdout).toMatch(/^PROBLEM: bpftrace: NOT FOUND .*apt-get install bpftrace/m);
  });

  it("tracefs unmounted (in a private mount namespace), as root: watch mounts it, and says how", async () => {
    const r = await sh(
      `unshare -m sh -c 'umount ${TRACEFS} && test ! -e ${TRACEFS}/events && exec ${BIN} doctor'`,
    );
    expect(r.stderr).not.toMatch(/unexpected error/);
    expectEveryLine(r.stdout);
    expect(line(r.stdout, "tracefs")).toBe(
      `not mounted  -> to do: none needed: watch mounts it (root); by hand: mount -t tracefs tracefs ${TRACEFS}`,
    );
    expect(line(r.stdout, "kprobe functions")).toMatch(/unknown \(tracefs not mounted\)/);
    expect(r.exitCode, r.stdout).toBe(0);
    // Only the child's namespace lost it.
    expect(existsSync(`${TRACEFS}/events`)).toBe(true);
  });

  it("not root (setpriv to nobody), tracefs unmounted too: both marked, both PROBLEMs", async () => {
    const r = await sh(
      `unshare -m sh -c 'umount ${TRACEFS} && exec setpriv --reuid=65534 --regid=65534 --clear-groups ${BIN} doctor'`,
    );
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(r.exitCode, r.stderr).toBe(1);
    expectEveryLine(r.stdout);
    expect(line(r.stdout, "running as root")).toMatch(
      /^no\s+-> to do: bpftrace needs root: run as root/,
    );
    expect(line(r.stdout, "tracefs")).toMatch(
      /cannot mount it \(not root\)\s+-> to do: as root: mount -t tracefs/,
    );
    expect(r.stdout).toMatch(/^PROBLEM: running as root: no: bpftrace needs root/m);
    expect(r.stdout).toMatch(/^PROBLEM: tracefs: /m);
  });

  it("not root, tracefs mounted: only root is missing", async () => {
    const r = await sh(`exec setpriv --reuid=65534 --regid=65534 --clear-groups ${BIN} doctor`);
    expect(r.exitCode, r.stderr).toBe(1);
    expectEveryLine(r.stdout);
    expect(line(r.stdout, "running as root")).toMatch(/^no\s+-> to do:/);
    expect(line(r.stdout, "tracefs")).toBe("mounted");
    expect(r.stdout.match(/^PROBLEM:/gm)).toHaveLength(1);
  });
});

describe("the default config: /etc/newsnotify/newsnotify.yaml, read by every command, which says so", () => {
  const DIR = "/etc/newsnotify";
  const FILE = join(DIR, "newsnotify.yaml");
  const hadDir = existsSync(DIR);
  const saved = existsSync(FILE) ? readFileSync(FILE) : null;
  const stateDir = mkdtempSync(join(tmpdir(), "newsnotify-default-state-"));
  const said = `config: ${FILE} (the default)`;

  beforeAll(() => {
    requirePrerequisites();
    mkdirSync(DIR, { recursive: true, mode: 0o755 });
    // A setting each command shows it read: bpftrace that is not there, and a state directory.
    writeFileSync(FILE, `bpftrace: [/nonexistent/bpftrace]\nstateDir: ${stateDir}\n`, {
      mode: 0o640,
    });
  });
  afterAll(() => {
    if (saved !== null) writeFileSync(FILE, saved);
    else {
      rmSync(FILE, { force: true });
      if (!hadDir) rmdirSync(DIR);
    }
    rmSync(stateDir, { recursive: true, force: true });
  });

  const run = (args: string[]) =>
    execa(BIN, args, { reject: false, stdin: "ignore", timeout: 120_000 });

  it("doctor", async () => {
    const r = await run(["doctor"]);
    expect(line(r.stdout, "config")).toBe(`${FILE} (the default)`);
    expect(line(r.stdout, "bpftrace")).toMatch(/^NOT FOUND \(\/nonexistent\/bpftrace --version/);
  });

  it("watch (it stops at the missing bpftrace, after saying which file it read)", async () => {
    const r = await run(["watch"]);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain(`newsnotify: ${said}\n`);
  });

  it("status", async () => {
    const r = await run(["status"]);
    expect(r.stderr).toContain(`newsnotify: ${said}`);
    expect(line(r.stdout, "state directory")).toBe(stateDir);
  });

  it("script and test-hook", async () => {
    const script = await run(["script", "--mode", "tracepoint", "--depth", "8"]);
    expect(script.exitCode, script.stderr).toBe(0);
    expect(script.stdout.split("\n")[0]).toBe(`// ${said}`);
    const hook = await run(["test-hook", FIXTURE]);
    expect(hook.exitCode, hook.stderr).toBe(0);
    expect(hook.stdout.split("\n")[0]).toBe(said);
  });

  it("--config still wins", async () => {
    const mine = join(mkdtempSync(join(tmpdir(), "newsnotify-mine-")), "mine.yaml");
    writeFileSync(mine, "mode: auto\n");
    const r = await run(["doctor", "--config", mine]);
    expect(line(r.stdout, "config")).toBe(`${mine} (--config)`);
    expect(line(r.stdout, "bpftrace")).toMatch(/^bpftrace v0\./);
  });
});
