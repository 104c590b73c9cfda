/** status.json (written by the watcher) and `newsnotify status` (reading the state directory). */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  gather,
  jsonForTerminal,
  renderStatus,
  type StatusReport,
} from "../../../src/commands/status.js";
import { loadStateDir } from "../../../src/config/schema.js";
import { startTime } from "../../../src/state/lock.js";
import { readBacklog } from "../../../src/state/outbox.js";
import { readStatus, StatusWriter } from "../../../src/state/status.js";
import { type ClusterView, Stats } from "../../../src/stats/stats.js";

const fresh = () => mkdtempSync(join(tmpdir(), "newsnotify-status-"));
const kids: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const k of kids.splice(0)) k.kill("SIGKILL");
});

/** A live process whose command line reads like `newsnotify watch` (as lock.test.ts does). */
async function fakeWatch(): Promise<number> {
  const kid = spawn(
    process.execPath,
    ["-e", "setInterval(() => {}, 1000)", "/usr/bin/newsnotify", "watch"],
    { stdio: "ignore" },
  );
  kids.push(kid);
  await new Promise((r) => kid.once("spawn", r));
  return kid.pid as number;
}

describe("StatusWriter", () => {
  it("writes status.json 0600, atomically, and marks the stop", async () => {
    const dir = fresh();
    const stats = new Stats();
    stats.configure([{ target: "t1", label: "webhook http://127.0.0.1:1/h" }]);
    stats.seen({ messageId: "<a@x>", group: "local.test" }, "trace");
    const w = new StatusWriter(dir, stats, { intervalMs: 60_000, metrics: () => "http://m" });
    await w.stop();
    expect(readdirSync(dir)).toEqual(["status.json"]);
    expect(statSync(join(dir, "status.json")).mode & 0o777).toBe(0o600);
    const doc = await readStatus(dir);
    expect(doc).toMatchObject({
      version: 1,
      pid: process.pid,
      metrics: "http://m",
      lastArticle: { messageId: "<a@x>", group: "local.test" },
      notifiers: [{ target: "t1", label: "webhook http://127.0.0.1:1/h", delivered: 0 }],
    });
    expect(doc?.stopped).toBeTypeOf("number");
  });

  it("a state directory it cannot write is logged, not thrown", async () => {
    const dir = join(fresh(), "file");
    writeFileSync(dir, "not a directory");
    const lines: string[] = [];
    const w = new StatusWriter(dir, new Stats(), { log: (_l, m) => lines.push(m) });
    await w.stop();
    expect(lines.join("\n")).toMatch(/status not saved: cannot write/);
  });

  it.each([
    ["missing", null],
    ["not JSON", "{"],
    ["another version", '{"version": 2, "notifiers": []}'],
  ])("readStatus: %s → null", async (_name, text) => {
    const dir = fresh();
    if (text !== null) writeFileSync(join(dir, "status.json"), text);
    expect(await readStatus(dir)).toBeNull();
  });
});

describe("readBacklog (the outbox journal, read only)", () => {
  it("counts what is pending per target, and since when", async () => {
    const dir = fresh();
    const add = (target: string, id: string, since: number) =>
      JSON.stringify({ op: "add", target, article: { messageId: id }, since });
    writeFileSync(
      join(dir, "outbox.jsonl"),
      [
        add("a", "<1@x>", 10),
        add("a", "<2@x>", 20),
        add("b", "<1@x>", 10),
        JSON.stringify({ op: "done", target: "a", id: "<1@x>" }),
        JSON.stringify({ op: "drop", target: "b", id: "<1@x>", why: "400" }),
        '{"op": "add", "tar', // a line torn by a crash
      ].join("\n"),
    );
    expect(await readBacklog(dir)).toEqual(new Map([["a", { pending: 1, oldest: 20 }]]));
  });
});

describe("gather + renderStatus", () => {
  const NOW = Date.parse("2026-12-01T23:30:00Z");

  async function withWatcher(failing: boolean, cluster?: ClusterView): Promise<StatusReport> {
    const dir = fresh();
    const pid = await fakeWatch();
    writeFileSync(join(dir, "watch.pid"), `${pid}\n${await startTime(pid)}\n${dir}\n`);
    writeFileSync(join(dir, "highwater.json"), '{"version":1,"groups":{}}\n');
    const stats = new Stats(() => NOW - 5000);
    stats.configure([{ target: "t1", label: "webhook http://127.0.0.1:8080/news" }]);
    stats.attached("tracepoint", "walk depth 8", 0);
    stats.seen({ messageId: "<a@x>", group: "local.test" }, "trace");
    stats.delivered("t1", ["<a@x>"]);
    if (failing) stats.failed("t1", "HTTP 503 Service Unavailable", 0);
    if (cluster) {
      stats.cluster(cluster);
      stats.backlogFrom(() => new Map([["t1", 7]]));
    }
    const doc = { version: 1, pid, updated: NOW - 2000, stopped: null, metrics: null };
    writeFileSync(join(dir, "status.json"), JSON.stringify({ ...doc, ...stats.snapshot() }));
    return gather(dir, NOW);
  }

  it("a live watcher, delivering: healthy, one fact per line", async () => {
    const r = await withWatcher(false);
    expect(r.running).toBe(true);
    expect(r.healthy).toBe(true);
    const text = renderStatus(r, NOW);
    expect(text).toMatch(/^watcher +running: pid \d+, a newsnotify watch on this directory$/m);
    expect(text).toMatch(
      /^last article +<a@x> in local\.test, seen 2026-12-01T23:29:55\.000Z \(5 s ago\) by tracepoint$/m,
    );
    expect(text).toMatch(
      /^notifier 1 last delivered +<a@x> 2026-12-01T23:29:55\.000Z \(5 s ago\)$/m,
    );
    expect(text).toMatch(/^catch-up marks +highwater\.json saved /m);
    expect(text).not.toMatch(/PROBLEM/);
  });

  const CLUSTER: ClusterView = {
    node: "news1",
    postgres: "postgresql://nn:***@db.example/nn",
    connected: true,
    unforwarded: 0,
    nodes: [
      { node: "news1", seenAgoMs: 1000, recent: true },
      { node: "news2", seenAgoMs: 3000, recent: true },
      { node: "news3", seenAgoMs: 7_200_000, recent: false },
    ],
    leases: { news2: 3 },
    lastError: null,
    drift: ["config drift with node news2: 1 notifier(s) only news2 has"],
  };

  it("cluster mode: nodes, leases, the shared backlog; drift is a WARNING, not a problem", async () => {
    const r = await withWatcher(false, CLUSTER);
    expect(r.healthy).toBe(true);
    expect(r.warnings).toEqual(CLUSTER.drift);
    const text = renderStatus(r, NOW);
    expect(text).toMatch(
      /^cluster +node news1, PostgreSQL at postgresql:\/\/nn:\*\*\*@db\.example\/nn$/m,
    );
    expect(text).toMatch(
      /^cluster nodes +news1 \(seen 1 s ago\), news2 \(seen 3 s ago\), news3 \(NOT seen for 2 h ago\)$/m,
    );
    expect(text).toMatch(/^cluster leases +news1 0, news2 3, news3 0$/m);
    expect(text).toMatch(/^cluster last error +none \(PostgreSQL answers\)$/m);
    expect(text).toMatch(/^notifier 1 backlog +7 pending$/m);
    expect(text).toMatch(
      /^WARNING: config drift with node news2: 1 notifier\(s\) only news2 has$/m,
    );
    expect(text).not.toMatch(/PROBLEM/);
  });

  it("cluster mode, PostgreSQL failing: a PROBLEM line naming it and what waits", async () => {
    const at = NOW - 60_000;
    const r = await withWatcher(false, {
      ...CLUSTER,
      unforwarded: 4,
      drift: [],
      lastError: { at, message: "PostgreSQL at postgresql://db/nn: unreachable for now" },
    });
    expect(r.healthy).toBe(false);
    expect(r.problems).toEqual([
      "PostgreSQL failing since 2026-12-01T23:29:00.000Z: PostgreSQL at postgresql://db/nn: unreachable for now (4 notification(s) wait in this node's journal; delivery resumes once it answers)",
    ]);
  });

  it("a failing notifier: a PROBLEM line, not healthy", async () => {
    const r = await withWatcher(true);
    expect(r.healthy).toBe(false);
    expect(renderStatus(r, NOW)).toMatch(
      /^PROBLEM: notifier webhook http:\/\/127\.0\.0\.1:8080\/news failing since .*: HTTP 503/m,
    );
  });

  it.each([
    ["no state directory", (d: string) => join(d, "missing"), /no state directory/],
    ["no lock", (d: string) => d, /no watcher is running/],
    [
      "a lock naming a pid that is not a watch",
      (d: string) => {
        writeFileSync(join(d, "watch.pid"), `${process.pid}\n`);
        return d;
      },
      /not a newsnotify watch/,
    ],
  ])("%s: not healthy", async (_name, make, problem) => {
    const r = await gather(make(fresh()), NOW);
    expect(r.healthy).toBe(false);
    expect(r.problems.join("\n")).toMatch(problem);
  });

  it("article data is shown printable (no terminal escapes)", async () => {
    const dir = fresh();
    const stats = new Stats(() => NOW);
    stats.seen({ messageId: "<\u001b[2Jx@y>", group: "local.test" }, "catchup");
    const doc = { version: 1, pid: 1, updated: NOW, stopped: NOW, metrics: null };
    writeFileSync(join(dir, "status.json"), JSON.stringify({ ...doc, ...stats.snapshot() }));
    const text = renderStatus(await gather(dir, NOW), NOW);
    expect(text).toContain("<\\x1b[2Jx@y>");
    expect(text).not.toContain("\u001b");
  });
});

describe("a status.json written by whoever owns the state directory (news, say)", () => {
  const NOW = Date.parse("2026-12-01T23:30:00Z");
  // Clears the screen, sets the window title, and a C1 CSI: what a hostile owner would write.
  const ESC = "\u001b[2J\u001b]0;pwned\u0007\u009b31m\u202e";

  async function hostile(): Promise<StatusReport> {
    const dir = fresh();
    const pid = await fakeWatch();
    writeFileSync(join(dir, "watch.pid"), `${pid}\n${await startTime(pid)}\n${dir}\n`);
    const doc = {
      version: 1,
      pid,
      updated: NOW,
      stopped: null,
      metrics: `http://x${ESC}/metrics`,
      started: NOW,
      changes: 1,
      seen: { [`trace${ESC}`]: `1${ESC}` },
      lostEvents: `0${ESC}`,
      restarts: 0,
      catchUp: { runs: 1, articles: 0, last: { at: NOW, reason: `start${ESC}` } },
      mode: { source: `kprobe${ESC}`, detail: `d${ESC}`, since: NOW },
      lastArticle: { messageId: `<a${ESC}@x>`, group: `g${ESC}`, at: NOW, via: `trace${ESC}` },
      notifiers: [
        {
          target: `t${ESC}`,
          label: `l${ESC}`,
          delivered: 1,
          failed: 1,
          dropped: 0,
          failingSince: NOW,
          lastDelivered: { messageId: `<m${ESC}>`, at: NOW },
          lastError: { message: `HTTP 503${ESC}`, at: NOW },
          latency: { buckets: [], count: 0, sum: 0 },
        },
      ],
      backlog: {},
    };
    writeFileSync(join(dir, "status.json"), JSON.stringify(doc));
    return gather(dir, NOW);
  }

  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/;

  it("cannot send terminal escapes through `status`", async () => {
    const text = renderStatus(await hostile(), NOW);
    expect(text).toContain("HTTP 503\\x1b[2J");
    expect(text).toMatch(/^PROBLEM: .*HTTP 503\\x1b/m);
    expect(text).not.toMatch(CONTROL);
  });

  it("nor through `status --json`", async () => {
    const text = jsonForTerminal(await hostile());
    expect(text).not.toMatch(CONTROL);
    expect(JSON.parse(text).notifiers[0].lastError.message).toBe(`HTTP 503${ESC}`);
  });
});

describe("loadStateDir", () => {
  it("reads stateDir alone: an unset environment variable elsewhere is no problem", async () => {
    const file = join(fresh(), "c.yaml");
    const secret = ["$", "{env:NEWSNOTIFY_UNSET_SECRET}"].join("");
    writeFileSync(file, `stateDir: /srv/nn\nnotifiers:\n  - url: ${secret}\n`);
    expect(await loadStateDir(file)).toBe("/srv/nn");
    writeFileSync(file, "stateDir: relative/dir\n");
    await expect(loadStateDir(file)).rejects.toThrow(/stateDir: expected an absolute path/);
    expect(await loadStateDir(undefined)).toBe("/var/lib/newsnotify");
  });
});
