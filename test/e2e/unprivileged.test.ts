/**
 * Least privilege: newsnotify itself runs as an ordinary user and only bpftrace is elevated, through
 * the root-owned wrapper (contrib/sudo/newsnotify-bpftrace) and the sudoers lines the README documents. Sets up a throwaway user and sudoers file, and removes the
 * sudoers file again.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ensureGroup,
  ensureInnd,
  newMessageId,
  post,
  requirePrerequisites,
} from "../helpers/inn.js";
import { startReceiver } from "../helpers/receiver.js";

const USER = "newsnotify-e2e";
const SUDOERS = `/etc/sudoers.d/${USER}`;
const BIN = new URL("../../bin/newsnotify", import.meta.url).pathname;
const WRAPPER = new URL("../../contrib/sudo/newsnotify-bpftrace", import.meta.url).pathname;

describe("newsnotify unprivileged, bpftrace through sudo", () => {
  let uid = 0;
  let gid = 0;
  let libexec = "";
  let wrapper = "";
  beforeAll(() => {
    requirePrerequisites();
    if (spawnSync("sudo", ["--version"]).status !== 0)
      throw new Error("sudo missing: apt-get install sudo (scripts/test.sh does)");
    ensureInnd();
    ensureGroup("local.test");
    if (spawnSync("id", [USER]).status !== 0) {
      execFileSync("useradd", [
        "--system",
        "--no-create-home",
        "--shell",
        "/usr/sbin/nologin",
        USER,
      ]);
    }
    uid = Number(execFileSync("id", ["-u", USER], { encoding: "utf8" }));
    gid = Number(execFileSync("id", ["-g", USER], { encoding: "utf8" }));
    // The README's way: the wrapper installed root-owned (in a root-owned directory), and the
    // README's sudoers lines for it, for this user.
    libexec = mkdtempSync(join(tmpdir(), "newsnotify-libexec-"));
    chmodSync(libexec, 0o755);
    wrapper = join(libexec, "newsnotify-bpftrace");
    execFileSync("install", ["-o", "root", "-g", "root", "-m", "0755", WRAPPER, wrapper]);
    writeFileSync(
      SUDOERS,
      `Defaults!${wrapper} env_keep += "BPFTRACE_STRLEN BPFTRACE_MAX_STRLEN BPFTRACE_PERF_RB_PAGES __BPFTRACE_NOTIFY_PROBES_ATTACHED"\n${USER} ALL=(root) NOPASSWD: ${wrapper}\n`,
      { mode: 0o440 },
    );
    execFileSync("visudo", ["-c", "-f", SUDOERS]);
  });
  afterAll(() => {
    rmSync(SUDOERS, { force: true });
    if (libexec) rmSync(libexec, { recursive: true, force: true });
  });

  it("the account may run the wrapper, and not bpftrace's root shell", () => {
    const asUser = (args: string[]) =>
      spawnSync("sudo", ["-n", ...args], { uid, gid, encoding: "utf8", cwd: "/" });
    const shell = asUser([wrapper, "-c", "/bin/id", "-e", "BEGIN { exit(); }"]);
    expect(shell.status, shell.stderr).toBe(64);
    expect(shell.stdout).not.toMatch(/uid=0/);
    const bare = asUser(["/usr/bin/bpftrace", "--version"]);
    expect(bare.status).not.toBe(0);
    const version = asUser([wrapper, "--version"]);
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout).toMatch(/^bpftrace v/);
  });

  it("delivers, with its state private to that user", async () => {
    const dir = mkdtempSync(join(tmpdir(), "newsnotify-unpriv-"));
    chownSync(dir, uid, gid);
    chmodSync(dir, 0o755);
    const rx = await startReceiver();
    const cfg = join(dir, "config.yaml");
    writeFileSync(
      cfg,
      `stateDir: ${join(dir, "state")}\nbpftrace: [sudo, -n, ${wrapper}]\nnotifiers:\n  - type: webhook\n    url: ${rx.url}/hook\n`,
      { mode: 0o644 },
    );
    const w = execa(BIN, ["watch", "--config", cfg], {
      uid,
      gid,
      reject: false,
      all: true,
      stdin: "ignore",
      cwd: dir,
    });
    let log = "";
    w.all?.on("data", (d: Buffer) => {
      log += d.toString();
    });
    try {
      for (let i = 0; i < 100 && !/ready: /.test(log); i++)
        await new Promise((r) => setTimeout(r, 200));
      expect(log).toMatch(/ready: /);
      const id = newMessageId("unprivileged");
      post(
        `Message-ID: ${id}\nFrom: u@example.net\nNewsgroups: local.test\nSubject: least privilege\n\nbody\n`,
      );
      const [req] = await rx.waitFor(1, 20_000);
      expect((req?.body as { messageId?: string } | undefined)?.messageId).toBe(id);
      expect(statSync(`/proc/${w.pid}`).uid).toBe(uid);
      const state = join(dir, "state");
      expect(statSync(state).mode & 0o777).toBe(0o700);
      expect(statSync(join(state, "outbox.jsonl")).mode & 0o777).toBe(0o600);
      expect(statSync(join(state, "outbox.jsonl")).uid).toBe(uid);
    } finally {
      w.kill("SIGTERM");
      const r = await w;
      await rx.close();
      expect(r.exitCode, log).toBe(0);
    }
  });
});
