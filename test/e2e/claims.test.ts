/**
 * What the README promises and no other test checked, through bin/newsnotify as users run it. Most
 * use the fake bpftrace (fixtures/bin/fake-bpftrace: attach failures, crashes) and the real innd's
 * spool (catch-up reads it); the orphaned-bpftrace one runs the real bpftrace.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
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
  spoolFile,
} from "../helpers/inn.js";
import { type Receiver, startReceiver } from "../helpers/receiver.js";
import { startWatch, type Watcher } from "../helpers/watch.js";

const BIN = new URL("../../bin/newsnotify", import.meta.url).pathname;
const FAKE = new URL("../../fixtures/bin/fake-bpftrace", import.meta.url).pathname;
const GROUP = "local.test";

let watchers: Watcher[] = [];
let receivers: Receiver[] = [];
afterEach(async () => {
  for (const w of watchers) await w.stop();
  for (const r of receivers) await r.close();
  watchers = [];
  receivers = [];
});

function watch(cfg: string, o: Parameters<typeof startWatch>[1] = {}): Watcher {
  const w = startWatch(cfg, o);
  watchers.push(w);
  return w;
}

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

/** A config in a fresh directory; `extra` is more YAML (notifiers, catchUp...). */
function config(
  extra: string,
  o: { fake?: boolean } = { fake: true },
): { dir: string; cfg: string } {
  const dir = mkdtempSync(join(tmpdir(), "newsnotify-claims-"));
  const cfg = join(dir, "config.yaml");
  writeFileSync(
    cfg,
    `stateDir: ${join(dir, "state")}\n${o.fake ? `bpftrace: [${FAKE}]\n` : ""}${extra}`,
  );
  return { dir, cfg };
}

const webhook = (url: string) => `  - type: webhook\n    url: ${url}\n`;
const ids = (r: Receiver) =>
  r.requests
    .filter((q) => q.status === 200)
    .map((q) => (q.body as { messageId: string }).messageId);

function postArticle(tag: string): string {
  const id = newMessageId(tag);
  post(
    `Message-ID: ${id}\nFrom: claims@example.net\nNewsgroups: ${GROUP}\nSubject: ${tag}\n\nbody\n`,
  );
  return id;
}

describe("claims, through bin/newsnotify", () => {
  beforeAll(() => {
    requirePrerequisites();
    ensureInnd();
    ensureGroup(GROUP);
  });

  it("kprobe attach fails in auto mode: falls back to tracepoint mode and says why", async () => {
    // A kernel that offers kprobes (as far as newsnotify can tell), in a private mount namespace:
    // a tmpfs over tracefs with kprobe_events and the functions listed. The fake bpftrace then
    // refuses the kprobe program, as a kernel whose kprobes cannot attach would.
    const { dir, cfg } = config("mode: auto\n");
    const log = join(dir, "bpftrace.log");
    const script = [
      "set -e",
      "mount -t tmpfs tmpfs /sys/kernel/tracing",
      "mkdir -p /sys/kernel/tracing/events/syscalls/sys_enter_openat",
      "touch /sys/kernel/tracing/kprobe_events",
      "printf 'security_inode_create\\nvfs_create\\n' > /sys/kernel/tracing/available_filter_functions",
      'exec "$NEWSNOTIFY" $NEWSNOTIFY_ARGS',
    ].join("\n");
    const w = watch(cfg, {
      wrap: ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
      env: { FAKE_BPFTRACE_FAIL_KPROBE: "1", FAKE_BPFTRACE_QUIET: "1", FAKE_BPFTRACE_LOG: log },
    });
    await w.waitForLine(/ready: /);
    const text = w.log.join("\n");
    expect(text).toMatch(
      /warn: kprobe program did not attach; falling back to tracepoint mode\. bpftrace exited \(code 1\).*Could not attach probe kprobe/,
    );
    expect(text).toMatch(/ready: tracepoint mode \(fallback after an attach failure\)/);
    expect(
      readFileSync(log, "utf8")
        .trim()
        .split("\n")
        .map((l) => l.split(" ")[2]),
    ).toEqual(["kprobe", "tracepoint"]);
  });

  it("bpftrace keeps dying: restarted with a doubling backoff (1, 2, 4 s)", async () => {
    const { dir, cfg } = config("mode: tracepoint\n");
    const log = join(dir, "bpftrace.log");
    const w = watch(cfg, {
      env: { FAKE_BPFTRACE_QUIET: "1", FAKE_BPFTRACE_EXIT_AFTER_MS: "300", FAKE_BPFTRACE_LOG: log },
    });
    await w.waitForLine(/restarting in 4 s/, 30_000);
    const delays = w.log.flatMap((l) => /restarting in (\d+) s/.exec(l)?.[1] ?? []).map(Number);
    expect(delays.slice(0, 3)).toEqual([1, 2, 4]);
    await w.waitForLine(/re-attached: /);
    // The starts themselves are spaced by the crash (0.3 s) plus the delay.
    await sleep(4500);
    const starts = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => Number(l.split(" ")[0]));
    const gaps = starts.slice(1, 4).map((t, i) => t - (starts[i] as number));
    expect(gaps.length).toBe(3);
    for (const [i, g] of gaps.entries()) expect(g).toBeGreaterThanOrEqual(1000 * 2 ** i + 300);
    expect(w.log.join("\n")).toMatch(
      /error: bpftrace exited \(code 1\); restarting in 1 s\..*fake crash/,
    );
  });

  it("the pid lock: a second watch on the same state directory is refused; a stale or foreign pid is not", async () => {
    const { dir, cfg } = config("mode: tracepoint\n");
    const first = watch(cfg, { env: { FAKE_BPFTRACE_QUIET: "1" } });
    await first.waitForLine(/ready: /);
    const lock = join(dir, "state", "watch.pid");
    expect(readFileSync(lock, "utf8").split("\n")[0]).toBe(String(first.proc.pid));
    const second = await execa(BIN, ["watch", "--config", cfg], {
      reject: false,
      env: { FAKE_BPFTRACE_QUIET: "1" },
      timeout: 30_000,
    });
    expect(second.exitCode).toBe(2);
    expect(second.stderr).toMatch(
      new RegExp(`another newsnotify watch \\(pid ${first.proc.pid}\\) uses the state directory`),
    );
    // SIGKILL leaves the lock behind: the next start takes it over.
    first.proc.kill("SIGKILL");
    await first.proc;
    expect(existsSync(lock)).toBe(true);
    const third = watch(cfg, { env: { FAKE_BPFTRACE_QUIET: "1" } });
    await third.waitForLine(/ready: /);
    await third.stop();
    // A live pid that is no newsnotify watch (init) does not block a start.
    writeFileSync(lock, "1\n");
    const fourth = watch(cfg, { env: { FAKE_BPFTRACE_QUIET: "1" } });
    await fourth.waitForLine(/ready: /);
    expect(readFileSync(lock, "utf8").split("\n")[0]).toBe(String(fourth.proc.pid));
  });

  it("an orphaned bpftrace (newsnotify SIGKILLed) exits by itself within the heartbeat", async () => {
    const { cfg } = config("mode: tracepoint\n", { fake: false });
    const w = watch(cfg);
    await w.waitForLine(/ready: /);
    const bpf = Number(
      execFileSync("pgrep", ["-P", String(w.proc.pid), "bpftrace"], { encoding: "utf8" }).trim(),
    );
    expect(bpf).toBeGreaterThan(0);
    w.proc.kill("SIGKILL");
    await w.proc;
    const t0 = Date.now();
    // The program prints a heartbeat every 5 s: its next write meets a closed pipe (SIGPIPE).
    while (existsSync(`/proc/${bpf}`) && Date.now() - t0 < 20_000) await sleep(200);
    const gone = !existsSync(`/proc/${bpf}`);
    if (!gone) process.kill(bpf, "SIGKILL");
    expect(gone, `bpftrace ${bpf} still running ${Date.now() - t0} ms after its reader died`).toBe(
      true,
    );
    expect(Date.now() - t0).toBeLessThan(12_000);
  });

  it("catch-up at start honours maxArticles (the newest) and maxAgeMinutes", async () => {
    const rx = await receiver();
    const { cfg } = config(
      `mode: tracepoint\ncatchUp:\n  maxArticles: 2\n  maxAgeMinutes: 60\nnotifiers:\n${webhook(`${rx.url}/hook`)}`,
    );
    const env = { FAKE_BPFTRACE_QUIET: "1" };
    const first = watch(cfg, { env });
    await first.waitForLine(/catch-up: no saved state yet/);
    await first.stop();
    // Filed while stopped: 2 aged past maxAgeMinutes, then 3 fresh ones (only the 2 newest are due).
    const old = [postArticle("catchup-old-a"), postArticle("catchup-old-b")];
    const past = Date.now() / 1000 - 3 * 3600;
    for (const id of old) utimesSync(spoolFile(GROUP, id), past, past);
    const fresh: string[] = [];
    for (const t of ["a", "b", "c"]) {
      fresh.push(postArticle(`catchup-new-${t}`));
      await sleep(20); // distinct mtimes: "newest" is by file time
    }
    const second = watch(cfg, { env });
    await second.waitForLine(/catch-up \(start\)/);
    await rx.waitFor(2, 20_000);
    await sleep(1500);
    expect(second.log.join("\n")).toMatch(
      /catch-up \(start\): 2 article\(s\) filed while unseen; 2 older than 60 min skipped; 1 more skipped \(catchUp\.maxArticles=2\)/,
    );
    expect(ids(rx).sort()).toEqual(fresh.slice(1).sort());
  });

  it("the outbox is resent at start; entries of a notifier no longer configured are dropped", async () => {
    // Two receivers whose answer we switch: 503 while the articles are admitted, then 200.
    let status = 503;
    const got: Record<string, string[]> = { a: [], b: [] };
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => {
        body += c.toString();
      });
      req.on("end", () => {
        if (status === 200) got[req.url?.slice(1) ?? ""]?.push(JSON.parse(body).messageId);
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const env = { FAKE_BPFTRACE_QUIET: "1" };
      const { dir, cfg } = config(
        `mode: tracepoint\nnotifiers:\n${webhook(`${url}/a`)}${webhook(`${url}/b`)}`,
      );
      const first = watch(cfg, { env });
      await first.waitForLine(/catch-up: no saved state yet/);
      await first.stop();
      const posted = [postArticle("outbox-1"), postArticle("outbox-2")];
      const second = watch(cfg, { env });
      await second.waitForLine(/catch-up \(start\): 2 article/);
      await second.waitForLine(/attempt 1 failed/);
      await second.stop();
      // Both articles journaled for both notifiers, none delivered: what the next start resends.
      const kept = readFileSync(join(dir, "state", "outbox.jsonl"), "utf8");
      expect(kept.split("\n").filter((l) => l.includes('"op":"add"'))).toHaveLength(4);
      expect(kept).not.toContain('"op":"done"');
      // B is gone from the config; the receiver answers 200 now.
      status = 200;
      writeFileSync(
        cfg,
        `stateDir: ${join(dir, "state")}\nbpftrace: [${FAKE}]\nmode: tracepoint\nnotifiers:\n${webhook(`${url}/a`)}`,
      );
      const third = watch(cfg, { env });
      await third.waitForLine(/resending 2 article\(s\) left undelivered in the outbox/);
      for (let i = 0; i < 100 && got.a?.length !== 2; i++) await sleep(100);
      await sleep(1500);
      expect([...(got.a ?? [])].sort()).toEqual([...posted].sort());
      expect(got.b).toEqual([]);
      await third.stop();
      const journal = readFileSync(join(dir, "state", "outbox.jsonl"), "utf8").split("\n");
      const drops = journal.filter(
        (l) => l.includes('"op":"drop"') && l.includes("its notifier is no longer configured"),
      );
      expect(drops).toHaveLength(2);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it("doctor exits 1 when it finds a problem", async () => {
    const { cfg } = config("", { fake: false });
    writeFileSync(cfg, "bpftrace: [/nonexistent/bpftrace]\n");
    const r = await execa(BIN, ["doctor", "--config", cfg], { reject: false, timeout: 60_000 });
    expect(r.exitCode).toBe(1);
    expect(`${r.stdout}\n${r.stderr}`).toMatch(/bpftrace/);
  });

  it("a bug (an unexpected exception) exits 70 with its stack and asks for a report", async () => {
    // A fault no user can cause on purpose: process.getuid throws inside the watch command.
    const hook = join(mkdtempSync(join(tmpdir(), "newsnotify-bug-")), "bug.mjs");
    writeFileSync(hook, 'process.getuid = () => { throw new TypeError("injected fault"); };\n');
    const { cfg } = config("mode: tracepoint\n");
    const r = await execa(BIN, ["watch", "--config", cfg], {
      reject: false,
      timeout: 60_000,
      env: { NODE_OPTIONS: `--import ${hook}` },
    });
    expect(r.exitCode).toBe(70);
    expect(r.stderr).toMatch(
      /unexpected error \(a bug; please report it\):\nTypeError: injected fault\n\s+at /,
    );
  });

  it("a group directory symlinked out of the spool is refused, with a log line", async () => {
    const root = mkdtempSync(join(tmpdir(), "newsnotify-symgroup-"));
    const sp = join(root, "spool");
    const outside = join(root, "outside");
    mkdirSync(join(sp, "local"), { recursive: true });
    mkdirSync(outside);
    const id = newMessageId("symgroup");
    writeFileSync(
      join(outside, "1"),
      `Message-ID: ${id}\r\nFrom: x@example.net\r\nNewsgroups: local.evil\r\nSubject: s\r\n\r\nsecret\r\n.\r\n`,
    );
    symlinkSync(outside, join(sp, "local", "evil"));
    const active = join(root, "active");
    writeFileSync(active, "local.evil 0000000001 0000000001 y\n");
    const rx = await receiver();
    const { cfg } = config(
      `mode: tracepoint\nspool: ${sp}\nactiveFile: ${active}\nnotifiers:\n${webhook(`${rx.url}/hook`)}`,
    );
    const w = watch(cfg, {
      env: { FAKE_BPFTRACE_QUIET: "1", FAKE_BPFTRACE_OPEN: join(sp, "local", "evil", "1") },
    });
    await w.waitForLine(/local\/evil\/1: not read: /);
    expect(w.log.join("\n")).toMatch(/local\/evil\/1: not read: resolves outside the spool/);
    await sleep(1000);
    expect(rx.requests).toHaveLength(0);
  });

  it("watch with no config file: the stdout notifier, and the state in /var/lib/newsnotify (0700)", async () => {
    const stateDir = "/var/lib/newsnotify";
    const aside = `${stateDir}.e2e-${process.pid}`;
    if (existsSync(join(stateDir, "watch.pid"))) {
      const pid = Number(readFileSync(join(stateDir, "watch.pid"), "utf8").split("\n")[0]);
      if (pid > 0 && existsSync(`/proc/${pid}`))
        throw new Error(
          `a newsnotify watch (pid ${pid}) uses ${stateDir}: stop it to run this test`,
        );
    }
    const had =
      existsSync(stateDir) || lstatSync(stateDir, { throwIfNoEntry: false }) !== undefined;
    if (had) renameSync(stateDir, aside);
    const fakeBin = mkdtempSync(join(tmpdir(), "newsnotify-path-"));
    symlinkSync(FAKE, join(fakeBin, "bpftrace"));
    let w: Watcher | null = null;
    try {
      const id = postArticle("noconfig");
      const file = spoolFile(GROUP, id);
      w = watch("", {
        noConfig: true,
        env: {
          PATH: `${fakeBin}:${process.env.PATH}`,
          FAKE_BPFTRACE_QUIET: "1",
          FAKE_BPFTRACE_OPEN: file,
        },
      });
      await w.waitForLine(/ready: .*notifying stdout/);
      await w.waitForLine(/noconfig/);
      await w.waitForLine(/catch-up: /);
      expect(w.log.join("\n")).toContain(id);
      expect(statSync(stateDir).mode & 0o7777).toBe(0o700);
      expect(readdirSync(stateDir).sort()).toEqual(
        expect.arrayContaining(["highwater.json", "watch.pid"]),
      );
      expect(await w.stop()).toBe(0);
    } finally {
      // Stopped first (it would write there again), then ours goes and what was there comes back.
      await w?.stop();
      rmSync(stateDir, { recursive: true, force: true });
      if (had) renameSync(aside, stateDir);
      rmSync(fakeBin, { recursive: true, force: true });
    }
    expect(spawnSync("test", ["-e", aside]).status).not.toBe(0);
  });
});
