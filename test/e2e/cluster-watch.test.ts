/**
 * Cluster mode end to end: two `bin/newsnotify watch` processes, each with its own state directory
 * and node name, play two news servers. Both trace the system innd (so both see every article, as
 * peered servers would), share one throwaway PostgreSQL 15, and send to one webhook receiver. Each
 * case counts what the receiver got per Message-ID: every article once (by Idempotency-Key; raw
 * duplicates only within the documented bound), with no restart of the survivors.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ensureGroup,
  ensureInnd,
  newMessageId,
  postAsync,
  requirePrerequisites,
} from "../helpers/inn.js";
import { type Postgres, startPostgres, startProxy } from "../helpers/postgres.js";
import { type Receiver, startReceiver } from "../helpers/receiver.js";
import { startWatch, type Watcher } from "../helpers/watch.js";

const GROUP = "local.test";
let pg: Postgres;
let rx: Receiver;
let watchers: Watcher[] = [];
let n = 0;

beforeAll(async () => {
  requirePrerequisites();
  ensureInnd();
  ensureGroup(GROUP);
  pg = await startPostgres();
});
afterAll(() => pg?.remove());
afterEach(async () => {
  for (const w of watchers) {
    w.proc.kill("SIGCONT");
    await w.stop();
  }
  watchers = [];
  await rx?.close();
});

/** A fresh database per case. */
function database(): { url: string; db: string } {
  const db = `nnw_${process.pid}_${++n}`;
  pg.createDatabase(db);
  return { url: pg.url(db), db };
}

interface NodeOptions {
  postgres: string;
  leaseSeconds?: number;
  /** Extra top-level YAML (e.g. metrics). */
  extra?: string;
  /** The webhook's request timeout (ms; the notifier's default otherwise). */
  timeoutMs?: number;
}

/** Starts a watcher on `file` (not waiting for it to be ready). */
function run(file: string): Watcher {
  const w = startWatch(file);
  watchers.push(w);
  return w;
}

/** Writes a config for node `name` and starts its watcher. */
function node(name: string, o: NodeOptions): Watcher {
  return run(config(name, o));
}

/** A config for node `name` in a new directory (its state directory inside). */
function config(name: string, o: NodeOptions): string {
  const dir = mkdtempSync(join(tmpdir(), `newsnotify-${name}-`));
  const file = join(dir, "config.yaml");
  writeFileSync(
    file,
    `stateDir: ${join(dir, "state")}\n` +
      `cluster:\n  postgres: ${o.postgres}\n  node: ${name}\n  leaseSeconds: ${o.leaseSeconds ?? 30}\n` +
      `notifiers:\n  - type: webhook\n    url: ${rx.url}/hook\n` +
      (o.timeoutMs ? `    timeoutMs: ${o.timeoutMs}\n` : "") +
      (o.extra ?? ""),
  );
  return file;
}

async function ready(...ws: Watcher[]): Promise<void> {
  await Promise.all(ws.map((w) => w.waitForLine(/ready: /, 120_000)));
}

async function postMany(count: number, tag: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = newMessageId(`${tag}${i}`);
    await postAsync(
      `Message-ID: ${id}\nFrom: cluster@example.net\nNewsgroups: ${GROUP}\nSubject: ${tag}${i}\n\nbody\n`,
    );
    ids.push(id);
  }
  return ids;
}

/** Polls a condition every 100 ms (the test's own timeout bounds it). */
async function until(ok: () => boolean, what: string, log?: () => string): Promise<void> {
  for (let i = 0; !ok(); i++) {
    if (i > 0 && i % 600 === 0) console.log(`still waiting for ${what}; ${log?.() ?? ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Per Message-ID: how many 200 requests carried it, and under how many Idempotency-Keys. */
function received(ids: readonly string[]) {
  const count = new Map<string, number>();
  const keys = new Map<string, Set<string>>();
  for (const req of rx.requests) {
    if (req.status !== 200) continue;
    const id = String((req.body as { messageId?: unknown }).messageId);
    count.set(id, (count.get(id) ?? 0) + 1);
    keys.set(id, (keys.get(id) ?? new Set()).add(String(req.headers["idempotency-key"])));
  }
  return {
    posted: ids.length,
    delivered: ids.filter((id) => count.has(id)).length,
    duplicated: ids.reduce((s, id) => s + Math.max(0, (count.get(id) ?? 0) - 1), 0),
    keysPerArticleAboveOne: ids.reduce(
      (s, id) => s + Math.max(0, (keys.get(id)?.size ?? 0) - 1),
      0,
    ),
  };
}

/**
 * Waits until the receiver has every article and the shared queue holds nothing pending: from
 * then on no node can send any of them again (a send starts only from a pending row).
 */
async function settled(db: string, ids: readonly string[]) {
  const pending = () =>
    Number(pg.psql("SELECT count(*) FROM newsnotify_deliveries WHERE state = 'pending'", db));
  await until(
    () => received(ids).delivered === ids.length && pending() === 0,
    "every article delivered and nothing pending",
    () => JSON.stringify(received(ids)),
  );
  return received(ids);
}

const leasesOf = (db: string, who: string) =>
  Number(
    pg.psql(
      `SELECT count(*) FROM newsnotify_deliveries WHERE state = 'pending' AND leased_by = '${who}' AND due_at > now()`,
      db,
    ),
  );

describe("cluster mode: two watchers, one PostgreSQL, one notification per article", () => {
  it("both running: every article delivered once, enqueued once", async () => {
    rx = await startReceiver();
    const { url, db } = database();
    const extra = "metrics:\n  listen: 127.0.0.1:0\n";
    const file = config("news1", { postgres: url, extra });
    const a = run(file);
    await ready(a, node("news2", { postgres: url }));
    const ids = await postMany(20, "both-");
    const f = await settled(db, ids);
    console.log("both running:", JSON.stringify(f));
    expect(f).toEqual({ posted: 20, delivered: 20, duplicated: 0, keysPerArticleAboveOne: 0 });
    expect(pg.psql("SELECT count(*) FROM newsnotify_articles", db)).toBe("20");
    // Both nodes' heartbeats are there, and each delivered its share (who finished which row).
    expect(pg.psql("SELECT string_agg(node, ',' ORDER BY node) FROM newsnotify_nodes", db)).toBe(
      "news1,news2",
    );
    // Each heartbeat names the node's one target, the same id on both (the cluster's key).
    expect(
      pg.psql(
        "SELECT count(DISTINCT targets) || ' ' || count(*) FROM newsnotify_nodes WHERE cardinality(targets) = 1",
        db,
      ),
    ).toBe("1 2");
    // status and /metrics show the cluster: both nodes seen, the shared backlog, no error.
    const BIN = new URL("../../bin/newsnotify", import.meta.url).pathname;
    let text = "";
    // status.json is written at most every 5 s: wait for one that names both nodes, caught up.
    for (;;) {
      text = (await execa(BIN, ["status", "-c", file], { reject: false })).stdout;
      const both = /^cluster nodes +news1 \(seen .*\), news2 \(seen /m.test(text);
      // The backlog as the watcher last read it from PostgreSQL (a poll a second).
      if (both && /^notifier 1 backlog +0$/m.test(text)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    console.log(text);
    expect(text).toMatch(
      /^cluster +node news1, PostgreSQL at postgresql:\/\/postgres@127\.0\.0\.1:/m,
    );
    expect(text).toMatch(/^cluster last error +none \(PostgreSQL answers\)$/m);
    expect(text).toMatch(/^notifier 1 backlog +0$/m);
    expect(text).not.toMatch(/WARNING|PROBLEM/);
    const metricsUrl = /^metrics +(http:\S+)$/m.exec(text)?.[1] as string;
    const metrics = await (await fetch(metricsUrl)).text();
    expect(metrics).toMatch(/^newsnotify_cluster_postgres_up 1$/m);
    expect(metrics).toMatch(/^newsnotify_cluster_leases\{node="news2"\} 0$/m);
    expect(metrics).toMatch(/^newsnotify_cluster_config_drift 0$/m);
  }, 300_000);

  it("two watchers starting at once on an empty database: migrated once, then as above", async () => {
    rx = await startReceiver();
    const { url, db } = database();
    const both = [node("news1", { postgres: url }), node("news2", { postgres: url })];
    await ready(...both);
    expect(pg.psql("SELECT version FROM newsnotify_schema", db)).toBe("3");
    expect(pg.psql("SELECT count(*) FROM newsnotify_schema", db)).toBe("1");
    expect(pg.psql("SELECT count(*) FROM newsnotify_cluster", db)).toBe("1");
    const ids = await postMany(5, "race-");
    expect(await settled(db, ids)).toEqual({
      posted: 5,
      delivered: 5,
      duplicated: 0,
      keysPerArticleAboveOne: 0,
    });
  }, 300_000);

  /**
   * Two nodes with a short lease, the receiver holding every request `holdMs`; a burst of `count`
   * posted, and `signal` sent to news1 once it holds leases (how many it held is returned).
   */
  async function burstWithNews1Holding(o: {
    leaseSeconds: number;
    holdMs: number;
    count: number;
    tag: string;
    signal: NodeJS.Signals;
  }) {
    rx = await startReceiver();
    rx.reply(...Array.from({ length: 200 }, () => ({ status: 200, delayMs: o.holdMs })));
    const { url, db } = database();
    const a = node("news1", { postgres: url, leaseSeconds: o.leaseSeconds });
    const b = node("news2", { postgres: url, leaseSeconds: o.leaseSeconds });
    await ready(a, b);
    const posting = postMany(o.count, o.tag);
    await until(() => leasesOf(db, "news1") > 0, "news1 holding leases");
    const held = leasesOf(db, "news1");
    a.proc.kill(o.signal);
    return { a, b, db, held, ids: await posting };
  }

  it("one watcher SIGKILLed mid-burst holding leases: the survivor delivers the rest once the leases run out", async () => {
    // Every request is held 3 s: the burst keeps both nodes' workers waiting on the receiver.
    const { a, b, db, held, ids } = await burstWithNews1Holding({
      leaseSeconds: 10,
      holdMs: 3000,
      count: 30,
      tag: "kill-",
      signal: "SIGKILL",
    });
    await a.proc;
    const f = await settled(db, ids);
    console.log(`SIGKILL with ${held} lease(s) held:`, JSON.stringify(f));
    expect(f.delivered).toBe(30);
    // A request the dead node had sent may arrive twice: never more than it held, same key.
    expect(f.duplicated).toBeLessThanOrEqual(held);
    expect(f.keysPerArticleAboveOne).toBe(0);
    expect(b.proc.exitCode).toBeNull();
  }, 300_000);

  it("a watcher SIGSTOPped past its lease, then continued: at most the bounded duplicate, same Idempotency-Key", async () => {
    const { a, b, db, held, ids } = await burstWithNews1Holding({
      leaseSeconds: 5,
      holdMs: 2000,
      count: 20,
      tag: "stop-",
      signal: "SIGSTOP",
    });
    // Past its lease: news2 takes over what news1 held.
    await until(
      () => leasesOf(db, "news1") === 0 && received(ids).delivered === ids.length,
      "news2 delivering what news1 held",
    );
    a.proc.kill("SIGCONT");
    const f = await settled(db, ids);
    console.log(`SIGSTOP past the lease with ${held} lease(s) held:`, JSON.stringify(f));
    expect(f.delivered).toBe(20);
    expect(f.duplicated).toBeLessThanOrEqual(held);
    expect(f.keysPerArticleAboveOne).toBe(0);
    expect(a.proc.exitCode).toBeNull();
    expect(b.proc.exitCode).toBeNull();
  }, 300_000);

  it("sends longer than the lease: the leases are renewed while they run, so no other node sends them again", async () => {
    // Each request is held 12 s against a 5 s lease (the webhook waits up to 30 s for an answer):
    // without renewal the other node claims the expired rows and sends them a second time.
    rx = await startReceiver();
    rx.reply(...Array.from({ length: 50 }, () => ({ status: 200, delayMs: 12_000 })));
    const { url, db } = database();
    const o = { postgres: url, leaseSeconds: 5, timeoutMs: 30_000 };
    const a = node("news1", o);
    const b = node("news2", o);
    await ready(a, b);
    const ids = await postMany(10, "long-");
    const f = await settled(db, ids);
    const requests = rx.requests.filter((r) => r.status === 200).length;
    console.log(`sends of 12 s against a 5 s lease: ${requests} request(s)`, JSON.stringify(f));
    expect(f).toEqual({ posted: 10, delivered: 10, duplicated: 0, keysPerArticleAboveOne: 0 });
    expect(requests).toBe(10);
    for (const w of [a, b]) expect(w.log.join("\n")).not.toMatch(/lost the lease/);
  }, 300_000);

  it("PostgreSQL restarted mid-run: articles seen meanwhile wait in the journals, then go once", async () => {
    rx = await startReceiver();
    const { url, db } = database();
    const a = node("news1", { postgres: url });
    const b = node("news2", { postgres: url });
    await ready(a, b);
    const before = await postMany(10, "restart-a-");
    pg.stop("fast");
    const during = await postMany(10, "restart-b-");
    pg.start();
    const after = await postMany(5, "restart-c-");
    const ids = [...before, ...during, ...after];
    const f = await settled(db, ids);
    console.log("PostgreSQL restarted:", JSON.stringify(f));
    expect(f).toEqual({ posted: 25, delivered: 25, duplicated: 0, keysPerArticleAboveOne: 0 });
    expect(a.proc.exitCode).toBeNull();
    expect(b.proc.exitCode).toBeNull();
  }, 300_000);

  it("PostgreSQL down when the watchers start, back 30 s later: they wait (saying so), then deliver once", async () => {
    rx = await startReceiver();
    const { url, db } = database();
    pg.stop("fast");
    try {
      const t0 = Date.now();
      const a = node("news1", { postgres: url });
      const b = node("news2", { postgres: url });
      await Promise.all(
        [a, b].map((w) => w.waitForLine(/unreachable for now.*articles wait in the local journal/)),
      );
      await ready(a, b);
      const ids = await postMany(5, "late-");
      // The scenario's 30 s: PostgreSQL comes back that long after the watchers started.
      await new Promise((r) => setTimeout(r, Math.max(0, 30_000 - (Date.now() - t0))));
      expect(rx.requests).toHaveLength(0);
      pg.start();
      const f = await settled(db, ids);
      console.log("PostgreSQL down at start:", JSON.stringify(f));
      expect(f).toEqual({ posted: 5, delivered: 5, duplicated: 0, keysPerArticleAboveOne: 0 });
      await a.waitForLine(/PostgreSQL at .* answers: forwarding the local journal/);
    } finally {
      try {
        pg.start();
      } catch {}
    }
  }, 300_000);

  it("the connection cut for a while (a TCP proxy stopped): delayed, never lost", async () => {
    rx = await startReceiver();
    const { db } = database();
    const proxy = await startProxy(pg.port);
    try {
      const url = `postgresql://postgres@127.0.0.1:${proxy.port}/${db}`;
      const a = node("news1", { postgres: url });
      const b = node("news2", { postgres: url });
      await ready(a, b);
      const before = await postMany(5, "cut-a-");
      await proxy.stop();
      const during = await postMany(10, "cut-b-");
      await proxy.start();
      const ids = [...before, ...during];
      const f = await settled(db, ids);
      console.log("connection cut:", JSON.stringify(f));
      expect(f).toEqual({ posted: 15, delivered: 15, duplicated: 0, keysPerArticleAboveOne: 0 });
    } finally {
      await proxy.stop();
    }
  }, 300_000);

  it("catch-up by Message-ID: both watchers catching up the same articles give one notification each", async () => {
    rx = await startReceiver();
    const { url, db } = database();
    const files = ["news1", "news2"].map((name) => config(name, { postgres: url }));
    const first = files.map(run);
    await ready(...first);
    const seen = await postMany(2, "cu-seen-");
    await settled(db, seen);
    for (const w of first) expect(await w.stop()).toBe(0);
    watchers = [];
    // Filed while both are stopped: each finds them in the spool at its start.
    const missed = await postMany(5, "cu-missed-");
    const again = files.map(run);
    await Promise.all(
      again.map((w) =>
        w.waitForLine(/catch-up \(.*\): \d+ article\(s\) filed while unseen/, 120_000),
      ),
    );
    const f = await settled(db, [...seen, ...missed]);
    console.log("catch-up on both:", JSON.stringify(f));
    expect(f).toEqual({ posted: 7, delivered: 7, duplicated: 0, keysPerArticleAboveOne: 0 });
  }, 300_000);
});

describe("cluster mode, bad input: a clear error naming the problem, nothing written", () => {
  beforeAll(async () => {
    rx = await startReceiver();
  });

  it("wrong credentials (a role that does not exist): exit 5", async () => {
    const { url, db } = database();
    const bad = url.replace("postgres@", "nosuchrole@");
    const w = node("news1", { postgres: bad });
    expect((await w.proc).exitCode).toBe(5);
    expect(w.log.join("\n")).toMatch(/PostgreSQL at .*: wrong credentials/);
    expect(pg.psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", db)).toBe("0");
  }, 120_000);

  it("a database of another program's tables: exit 5, naming them; no table of ours", async () => {
    const { url, db } = database();
    pg.psql("CREATE TABLE invoices (id int)", db);
    const w = node("news1", { postgres: url });
    expect((await w.proc).exitCode).toBe(5);
    expect(w.log.join("\n")).toMatch(/holds tables that are not newsnotify's \(public\.invoices\)/);
    expect(
      pg.psql("SELECT string_agg(tablename, ',') FROM pg_tables WHERE schemaname = 'public'", db),
    ).toBe("invoices");
  }, 120_000);

  it("a malformed URL: exit 2, naming the key", async () => {
    const w = node("news1", { postgres: "postgresql//nowhere" });
    expect((await w.proc).exitCode).toBe(2);
    expect(w.log.join("\n")).toMatch(/cluster\.postgres: expected a URL such as/);
  }, 120_000);
});
