/**
 * The state directory as the machine can break it, through bin/newsnotify: full (a small tmpfs of
 * our own), unsafe (a symlink to /etc, a world-writable tmpfs root), corrupt (highwater.json).
 * Articles come from the real innd and are found by catch-up (the fake bpftrace traces nothing).
 */
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ensureGroup,
  ensureInnd,
  newMessageId,
  post,
  requirePrerequisites,
} from "../helpers/inn.js";
import { type Receiver, startReceiver } from "../helpers/receiver.js";
import { mountTmpfs, type Tmpfs } from "../helpers/tmpfs.js";
import { startWatch, type Watcher } from "../helpers/watch.js";

const BIN = new URL("../../bin/newsnotify", import.meta.url).pathname;
const FAKE = new URL("../../fixtures/bin/fake-bpftrace", import.meta.url).pathname;
const GROUP = "local.test";
const env = { FAKE_BPFTRACE_QUIET: "1" };

let fs: Tmpfs | null = null;
let w: Watcher | null = null;
let rx: Receiver | null = null;
afterEach(async () => {
  await w?.stop();
  await rx?.close();
  fs?.unmount();
  [w, rx, fs] = [null, null, null];
});

function config(stateDir: string, url = "http://127.0.0.1:9/never"): string {
  const cfg = join(mkdtempSync(join(tmpdir(), "newsnotify-statecfg-")), "config.yaml");
  writeFileSync(
    cfg,
    `mode: tracepoint\nbpftrace: [${FAKE}]\nstateDir: ${stateDir}\ncatchUp:\n  intervalSeconds: 5\n` +
      `notifiers:\n  - type: webhook\n    url: ${url}\n`,
  );
  return cfg;
}

const run = (cfg: string) =>
  execa(BIN, ["watch", "--config", cfg], { reject: false, env, timeout: 60_000, stdin: "ignore" });

function postArticle(tag: string): string {
  const id = newMessageId(tag);
  post(
    `Message-ID: ${id}\nFrom: state@example.net\nNewsgroups: ${GROUP}\nSubject: ${tag}\n\nbody\n`,
  );
  return id;
}

describe("the state directory, through bin/newsnotify", () => {
  beforeAll(() => {
    requirePrerequisites();
    ensureInnd();
    ensureGroup(GROUP);
  });

  it("full: one clear error, no crash, articles still delivered, recovered by itself; a start while full exits 5", async () => {
    fs = mountTmpfs("256k");
    const stateDir = join(fs.dir, "state");
    rx = await startReceiver();
    const cfg = config(stateDir, `${rx.url}/hook`);
    w = startWatch(cfg, { env });
    await w.waitForLine(/catch-up: no saved state yet/);
    const filler = fs.fill();
    const ids = [postArticle("full-a"), postArticle("full-b"), postArticle("full-c")];
    // The periodic catch-up (5 s) finds them; the outbox cannot write their lines.
    await w.waitForLine(/error: cannot write .*outbox\.jsonl: ENOSPC/, 20_000);
    await rx.waitFor(3, 20_000);
    await w.waitForLine(/catch-up failed: cannot write .*outbox\.jsonl/, 20_000);
    expect(w.proc.exitCode).toBeNull();
    expect(w.log.filter((l) => /error: cannot write .*outbox\.jsonl/.test(l))).toHaveLength(1);
    unlinkSync(filler);
    await w.waitForLine(/outbox\.jsonl is writable again/, 20_000);
    const from = w.log.length;
    ids.push(postArticle("full-d"));
    await rx.waitFor(4, 20_000);
    await sleep(6000); // a periodic catch-up that succeeds: the marks move again
    expect(w.log.slice(from).join("\n")).not.toMatch(/catch-up failed/);
    expect(await w.stop()).toBe(0);
    w = null;
    const got = rx.requests.map((r) => (r.body as { messageId: string }).messageId);
    expect(got.sort()).toEqual([...ids].sort());

    // Full again, then a start: exit 5 with what to do, not 70 "a bug", and no temporary file left.
    fs.fill();
    const r = await run(cfg);
    expect(r.exitCode, r.stderr).toBe(5);
    expect(r.stderr).toMatch(/cannot write .*: ENOSPC.*free some space there/);
    expect(r.stderr).not.toMatch(/a bug/);
    expect(readdirSync(stateDir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("a stateDir symlinked to /etc is refused (exit 5) and nothing is written in /etc", async () => {
    const before = readdirSync("/etc").sort();
    const link = join(mkdtempSync(join(tmpdir(), "newsnotify-etc-")), "state");
    symlinkSync("/etc", link);
    const r = await run(config(link));
    expect(r.exitCode, r.stderr).toBe(5);
    expect(r.stderr).toMatch(
      /refusing the state directory .*: its target \/etc holds files that are not newsnotify's/,
    );
    expect(readdirSync("/etc").sort()).toEqual(before);
  });

  it("a world-writable tmpfs root (1777) is refused, not used as is", async () => {
    fs = mountTmpfs("1m");
    const { execFileSync } = await import("node:child_process");
    execFileSync("chmod", ["1777", fs.dir]);
    const r = await run(config(fs.dir));
    expect(r.exitCode, r.stderr).toBe(5);
    expect(r.stderr).toMatch(/writable by others \(mode 01777\)/);
    expect(readdirSync(fs.dir)).toEqual([]);
  });

  it("a corrupt highwater.json: exit 5 with the remedy, no stack, no 'bug'", async () => {
    const stateDir = join(mkdtempSync(join(tmpdir(), "newsnotify-corrupt-")), "state");
    const cfg = config(stateDir);
    w = startWatch(cfg, { env });
    await w.waitForLine(/catch-up: no saved state yet/);
    await w.stop();
    w = null;
    writeFileSync(join(stateDir, "highwater.json"), '{"version": 1, "groups": {"local.te');
    const r = await run(cfg);
    expect(r.exitCode, r.stderr).toBe(5);
    expect(r.stderr).toMatch(
      /highwater\.json is corrupt .*move it away \(mv .*highwater\.json .*\.bad\)/,
    );
    expect(r.stderr).not.toMatch(/a bug|\n\s+at /);
    // Nothing else left behind: the lock went with the failed start (status.json is the first run's).
    expect(readdirSync(stateDir).sort()).toEqual([
      "highwater.json",
      "outbox.jsonl",
      "status.json",
      "target.key",
    ]);
    expect(readFileSync(join(stateDir, "highwater.json"), "utf8")).toContain("local.te");
  });
});
