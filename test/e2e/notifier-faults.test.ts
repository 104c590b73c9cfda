/**
 * Issue 14's notifier faults, reproduced as the issue ran them, through bin/newsnotify: stdout piped
 * into `head -n1` beside a webhook, and an exec hook whose child holds the pipe when SIGTERM comes.
 * Articles come from the real innd, found by the periodic catch-up (the fake bpftrace traces nothing).
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ensureGroup,
  ensureInnd,
  newMessageId,
  post,
  requirePrerequisites,
} from "../helpers/inn.js";
import { type Receiver, startReceiver } from "../helpers/receiver.js";
import { startWatch, type Watcher } from "../helpers/watch.js";

const BIN = new URL("../../bin/newsnotify", import.meta.url).pathname;
const FAKE = new URL("../../fixtures/bin/fake-bpftrace", import.meta.url).pathname;
const GROUP = "local.test";

let rx: Receiver | null = null;
let w: Watcher | null = null;
const pids: number[] = [];
afterEach(async () => {
  await w?.stop();
  await rx?.close();
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
  [w, rx] = [null, null];
});

function postArticle(tag: string): string {
  const id = newMessageId(tag);
  post(`Message-ID: ${id}\nFrom: nf@example.net\nNewsgroups: ${GROUP}\nSubject: ${tag}\n\nbody\n`);
  return id;
}

function config(notifiers: string): { dir: string; cfg: string } {
  const dir = mkdtempSync(join(tmpdir(), "newsnotify-nfaults-"));
  const cfg = join(dir, "config.yaml");
  writeFileSync(
    cfg,
    `mode: tracepoint\nbpftrace: [${FAKE}]\nstateDir: ${join(dir, "state")}\n` +
      `catchUp:\n  intervalSeconds: 5\nnotifiers:\n${notifiers}`,
  );
  return { dir, cfg };
}

const children = (pid: number) =>
  spawnSync("pgrep", ["-P", String(pid)], { encoding: "utf8" })
    .stdout.split("\n")
    .filter(Boolean)
    .map(Number);
const commOf = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return null;
  }
};

describe("notifier faults, through bin/newsnotify", () => {
  beforeAll(() => {
    requirePrerequisites();
    ensureInnd();
    ensureGroup(GROUP);
  });

  it("`newsnotify watch | head -n1` with stdout and a webhook: the webhook gets every article", async () => {
    rx = await startReceiver();
    const { dir, cfg } = config(`  - type: stdout\n  - type: webhook\n    url: ${rx.url}/hook\n`);
    const log = join(dir, "watch.log");
    const sh = spawn(
      "sh",
      [
        "-c",
        `FAKE_BPFTRACE_QUIET=1 "${BIN}" watch --config "${cfg}" 2>"${log}" | head -n1 >/dev/null`,
      ],
      { stdio: "ignore" },
    );
    const exited = new Promise((r) => sh.once("exit", r));
    let nn = 0;
    for (let i = 0; i < 100 && !nn; i++) {
      nn = children(sh.pid as number).find((p) => commOf(p) === "node") ?? 0;
      if (!nn) await sleep(100);
    }
    expect(nn).toBeGreaterThan(0);
    pids.push(nn);
    const ids = [postArticle("epipe-a")];
    for (let i = 0; i < 200 && !readFileSync(log, "utf8").includes("catch-up: no saved state"); i++)
      await sleep(100);
    // head reads the first stdout line and leaves; the later ones meet a pipe without a reader.
    ids.push(postArticle("epipe-b"), postArticle("epipe-c"));
    await rx.waitFor(2, 30_000);
    ids.push(postArticle("epipe-d"), postArticle("epipe-e"));
    const deadline = Date.now() + 30_000;
    const got = () => new Set(rx?.requests.map((r) => (r.body as { messageId: string }).messageId));
    while (ids.slice(1).some((id) => !got().has(id)) && Date.now() < deadline) await sleep(200);
    const text = readFileSync(log, "utf8");
    expect(
      ids.slice(1).filter((id) => !got().has(id)),
      text,
    ).toEqual([]);
    expect(existsProc(nn), `newsnotify died:\n${text}`).toBe(true);
    expect(text.match(/stdout is closed \(EPIPE/g) ?? [], text).toHaveLength(1);
    process.kill(nn, "SIGTERM");
    await exited;
  });

  it("SIGTERM while an exec hook's child holds the pipe: exits promptly, no orphan left", async () => {
    const tag = String(80_000 + Math.floor(Math.random() * 9_000));
    const { dir, cfg } = config("");
    const hook = join(dir, "hook.sh");
    writeFileSync(hook, `#!/bin/sh\ncat>/dev/null; sleep ${tag}\n`);
    chmodSync(hook, 0o755);
    writeFileSync(
      cfg,
      `${readFileSync(cfg, "utf8")}  - type: exec\n    command: [${hook}]\n    timeoutMs: 5000\n`,
    );
    w = startWatch(cfg, { env: { FAKE_BPFTRACE_QUIET: "1" } });
    await w.waitForLine(/catch-up: no saved state yet/);
    postArticle("exec-hold");
    const sleeping = () =>
      spawnSync("pgrep", ["-f", `^sleep ${tag}$`], { encoding: "utf8" })
        .stdout.split("\n")
        .filter(Boolean)
        .map(Number);
    for (let i = 0; i < 150 && sleeping().length === 0; i++) await sleep(100);
    pids.push(...sleeping());
    expect(sleeping().length).toBeGreaterThan(0);
    const t0 = Date.now();
    const code = await w.stop();
    const took = Date.now() - t0;
    w = null;
    expect(code).toBe(0);
    expect(took).toBeLessThan(12_000);
    await sleep(300);
    expect(sleeping(), "orphaned sleep").toEqual([]);
    execFileSync("true");
  });
});

function existsProc(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
