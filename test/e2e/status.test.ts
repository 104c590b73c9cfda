/**
 * Seeing that it works, on the real thing: `bin/newsnotify watch` with /metrics on, a real article
 * posted to innd, then `newsnotify status` shows it delivered and the lock held, and /metrics (fetched
 * from node) passes Debian's `promtool check metrics`. After the stop: `status` exits 1, and it runs
 * without root for the user who owns the state directory, and says what to do for one who does not.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StatusReport } from "../../src/commands/status.js";
import { exposition } from "../../src/metrics/exposition.js";
import { metricFamilies } from "../../src/metrics/families.js";
import { Stats } from "../../src/stats/stats.js";
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

/** Debian's promtool; the test installs nothing, it says what to install. */
function requirePromtool(): void {
  if (spawnSync("promtool", ["--version"]).status !== 0) {
    throw new Error(
      "promtool missing: apt-get install prometheus (scripts/test.sh installs it without starting the server)",
    );
  }
}

function promtool(text: string): { status: number | null; output: string } {
  const r = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

async function status(config: string, json: boolean, asUser?: string) {
  const args = ["status", "--config", config, ...(json ? ["--json"] : [])];
  const [cmd, pre] = asUser
    ? ["setpriv", [`--reuid=${asUser}`, "--regid=65534", "--clear-groups", BIN]]
    : [BIN, []];
  return execa(cmd, [...pre, ...args], { reject: false, all: true });
}

describe("promtool check metrics on newsnotify's exposition", () => {
  beforeAll(requirePromtool);

  it("accepts hostile notifier labels, and the check can fail", () => {
    const s = new Stats();
    s.configure([
      { target: "a", label: 'webhook http://127.0.0.1/"quoted"\\back' },
      { target: "b", label: "irc #chan\nsecond line ünï" },
      { target: "c", label: "irc #chan\nsecond line ünï" },
    ]);
    s.attached("uprobe", "uprobe on /usr/lib/news/bin/innd:InndHisWrite", 2);
    s.seen({ messageId: "<1@x>", group: "g" }, "trace");
    s.seen({ messageId: "<2@x>", group: "g" }, "catchup");
    s.delivered("a", ["<1@x>", "<2@x>"]);
    s.failed("b", "HTTP 400", 1);
    s.lost(7);
    s.catchUpRun("start", 1);
    const good = exposition(metricFamilies(s.snapshot()));
    expect(promtool(good)).toEqual({ status: 0, output: "" });
    // The same with one label's newline left unescaped: promtool must refuse it (so the check above
    // means something).
    const bad = good.replace("#chan\\nsecond", "#chan\nsecond");
    expect(bad).not.toBe(good);
    expect(promtool(bad).status).not.toBe(0);
  });
});

describe("newsnotify status and /metrics after a real article", () => {
  let rx: Receiver;
  let watcher: Watcher;
  let dir: string;
  let config: string;
  let metricsUrl: string;
  const id = newMessageId("status");

  beforeAll(async () => {
    requirePrerequisites();
    requirePromtool();
    ensureInnd();
    ensureGroup("local.test");
    rx = await startReceiver();
    dir = mkdtempSync(join(tmpdir(), "newsnotify-status-e2e-"));
    chmodSync(dir, 0o755);
    config = join(dir, "config.yaml");
    writeFileSync(
      config,
      `stateDir: ${join(dir, "state")}\nmetrics: { listen: "127.0.0.1:0" }\n` +
        `notifiers:\n  - type: webhook\n    url: ${rx.url}/hook\n`,
      { mode: 0o644 },
    );
    watcher = startWatch(config);
    metricsUrl = (await watcher.waitForLine(/metrics: serving /)).replace(/^.*serving /, "");
    await watcher.waitForLine(/ready: /);
    post(
      `Message-ID: ${id}\nFrom: Status Check <status@example.net>\nNewsgroups: local.test\nSubject: status e2e\n\nbody\n`,
    );
    await rx.waitFor(1, 30_000);
  }, 120_000);

  afterAll(async () => {
    await watcher?.stop();
    await rx?.close();
  });

  it("status shows the article delivered and the lock held (exit 0)", async () => {
    // status.json is written at most every 5 s.
    let report: StatusReport | null = null;
    for (let i = 0; i < 40; i++) {
      const r = await status(config, true);
      report = JSON.parse(r.stdout) as StatusReport;
      if (report.notifiers[0]?.lastDelivered?.messageId === id) {
        expect(r.exitCode).toBe(0);
        break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(report).toMatchObject({
      running: true,
      healthy: true,
      lock: { held: true, alive: true, owner: { pid: watcher.proc.pid } },
      status: { current: true, lastArticle: { messageId: id, group: "local.test" } },
      notifiers: [{ backlog: 0, delivered: 1, failed: 0, lastDelivered: { messageId: id } }],
    });
    const text = await status(config, false);
    console.log(`newsnotify status:\n${text.stdout}`);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(
      /^watcher +running: pid \d+, a newsnotify watch on this directory$/m,
    );
    expect(text.stdout).toContain(`${id} in local.test`);
    expect(text.stdout).toMatch(new RegExp(`^notifier 1 last delivered +${id} `, "m"));
  });

  it("/metrics counts it and passes promtool check metrics", async () => {
    const res = await fetch(metricsUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    console.log(`GET ${metricsUrl}:\n${text}`);
    expect(text).toMatch(
      /^newsnotify_articles_seen_total\{source="(tracepoint|kprobe|uprobe)"\} 1$/m,
    );
    expect(text).toMatch(
      /^newsnotify_notifications_delivered_total\{notifier="webhook [^"]+\/hook",target="[0-9a-f]{16}"\} 1$/m,
    );
    expect(text).toMatch(/^newsnotify_delivery_latency_seconds_count\{[^}]*\} 1$/m);
    expect(text).toMatch(/^newsnotify_outbox_backlog\{[^}]*\} 0$/m);
    const verdict = promtool(text);
    console.log(
      `promtool check metrics: exit ${verdict.status} ${verdict.output || "(no complaints)"}`,
    );
    expect(verdict).toEqual({ status: 0, output: "" });
    expect((await fetch(metricsUrl.replace(/metrics$/, "other"))).status).toBe(404);
  });

  it("after the stop: exit 1; readable without root by the owner; a stranger is told what to do", async () => {
    expect(await watcher.stop()).toBe(0);
    const after = await status(config, false);
    expect(after.exitCode).toBe(1);
    expect(after.stdout).toMatch(/^stopped +2\d{3}-/m);
    expect(after.stdout).toMatch(/^PROBLEM: no watcher is running/m);
    // A stranger (nobody) may not read the private state directory: exit 4 and what to do.
    const stranger = await status(config, false, "nobody");
    expect(stranger.exitCode).toBe(4);
    expect(stranger.all).toMatch(
      /cannot read the state directory .* Run newsnotify status as root \(sudo newsnotify status\)/,
    );
    // Its owner needs no root.
    const nobody = Number(execFileSync("id", ["-u", "nobody"], { encoding: "utf8" }));
    chownAll(join(dir, "state"), nobody);
    const owner = await status(config, false, "nobody");
    expect(owner.all).toContain(`${id} in local.test`);
    expect(owner.exitCode).toBe(1);
  });
});

function chownAll(path: string, uid: number): void {
  execFileSync("chown", ["-R", String(uid), path]);
  chownSync(path, uid, -1);
}
