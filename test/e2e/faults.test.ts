/**
 * Nothing lost, nothing doubled, on the real innd: the webhook target fails for a while, newsnotify
 * is SIGKILLed in the middle of a burst and restarted, bpftrace is killed under it. Each scenario
 * counts articles posted, delivered, duplicated and lost, and prints the figures.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ensureGroup,
  ensureInnd,
  newMessageId,
  postAsync,
  requirePrerequisites,
} from "../helpers/inn.js";
import { type Receiver, startReceiver } from "../helpers/receiver.js";
import { startWatch, type Watcher } from "../helpers/watch.js";

const GROUP = "local.test";
let rx: Receiver | null = null;
let watchers: Watcher[] = [];

function config(dir: string, url: string, batch = 1): string {
  const file = join(dir, "config.yaml");
  writeFileSync(
    file,
    `stateDir: ${join(dir, "state")}\nnotifiers:\n  - type: webhook\n    url: ${url}\n` +
      (batch > 1 ? `    batch: ${batch}\n` : ""),
  );
  return file;
}

/** The Message-IDs a request carried: one article's payload, or a batching webhook's {articles}. */
function idsOf(body: unknown): string[] {
  const b = body as { messageId?: unknown; articles?: { messageId?: unknown }[] };
  return (b.articles ?? [b]).map((a) => String(a.messageId));
}

async function postOne(tag: string): Promise<string> {
  const id = newMessageId(tag);
  await postAsync(
    `Message-ID: ${id}\nFrom: faults@example.net\nNewsgroups: ${GROUP}\nSubject: ${tag}\n\nbody\n`,
  );
  return id;
}

async function postMany(n: number, tag: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(await postOne(`${tag}${i}`));
  return ids;
}

/** Waits until every id arrived (or the time is up), then reports the figures. */
async function tally(r: Receiver, ids: string[], timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  const count = () => {
    const got = new Map<string, number>();
    for (const req of r.requests) {
      if (req.status !== 200) continue;
      for (const id of idsOf(req.body)) got.set(id, (got.get(id) ?? 0) + 1);
    }
    return got;
  };
  /** What a receiver that honours Idempotency-Key keeps: one per key. */
  const keyed = () => {
    const got = new Map<string, Set<string>>();
    for (const req of r.requests) {
      if (req.status !== 200) continue;
      for (const id of idsOf(req.body)) {
        got.set(id, (got.get(id) ?? new Set()).add(String(req.headers["idempotency-key"])));
      }
    }
    return got;
  };
  while (Date.now() < deadline && ids.some((id) => !count().has(id))) await sleep(200);
  await sleep(1500); // late duplicates
  const got = count();
  const figures = {
    posted: ids.length,
    delivered: ids.filter((id) => got.has(id)).length,
    duplicated: ids.reduce((n, id) => n + Math.max(0, (got.get(id) ?? 0) - 1), 0),
    lost: ids.filter((id) => !got.has(id)).length,
    duplicatedAfterIdempotencyKey: ids.reduce(
      (n, id) => n + Math.max(0, (keyed().get(id)?.size ?? 0) - 1),
      0,
    ),
  };
  return figures;
}

describe("faults on a real innd", () => {
  beforeAll(() => {
    requirePrerequisites();
    ensureInnd();
    ensureGroup(GROUP);
  });
  afterEach(async () => {
    for (const w of watchers) await w.stop();
    watchers = [];
    await rx?.close();
    rx = null;
  });

  it("target answers 503 and 429 for a while, then recovers: every article exactly once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "newsnotify-outage-"));
    rx = await startReceiver();
    rx.reply(503, { status: 429, body: "slow down" }, 503);
    const w = startWatch(config(dir, `${rx.url}/hook`));
    watchers.push(w);
    await w.waitForLine(/ready: /);
    const ids = await postMany(10, "outage-");
    const f = await tally(rx, ids, 60_000);
    console.log("503/429 outage:", JSON.stringify(f));
    expect(f).toEqual({
      posted: 10,
      delivered: 10,
      duplicated: 0,
      lost: 0,
      duplicatedAfterIdempotencyKey: 0,
    });
    expect(w.log.join("\n")).toMatch(/attempt 1 failed: .*503/);
  });

  it("newsnotify SIGKILLed mid-burst and restarted: every article, exactly once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "newsnotify-sigkill-"));
    rx = await startReceiver();
    const cfg = config(dir, `${rx.url}/hook`);
    const first = startWatch(cfg);
    await first.waitForLine(/ready: /);
    const ids = await postMany(15, "sigkill-a");
    first.proc.kill("SIGKILL");
    await first.proc;
    // Filed while newsnotify is down: only catch-up can find these.
    ids.push(...(await postMany(10, "sigkill-b")));
    const second = startWatch(cfg);
    watchers.push(second);
    await second.waitForLine(/ready: /);
    ids.push(...(await postMany(5, "sigkill-c")));
    const f = await tally(rx, ids, 60_000);
    console.log("SIGKILL mid-burst:", JSON.stringify(f));
    // At-least-once: a request in flight at the instant of SIGKILL (sent, its answer not yet seen) is
    // sent again after the restart: at most as many as the webhook keeps in flight (8). Each repeat
    // carries the same Idempotency-Key, so a receiver that honours the header keeps one of each.
    expect(f.duplicated).toBeLessThanOrEqual(8);
    expect({ ...f, duplicated: 0 }).toEqual({
      posted: 30,
      delivered: 30,
      duplicated: 0,
      lost: 0,
      duplicatedAfterIdempotencyKey: 0,
    });
    expect(second.log.join("\n")).toMatch(/catch-up \(start\): \d+ article/);
  });

  it("bpftrace killed under a running watch: restarted, every article exactly once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "newsnotify-bpfkill-"));
    rx = await startReceiver();
    const w = startWatch(config(dir, `${rx.url}/hook`));
    watchers.push(w);
    await w.waitForLine(/ready: /);
    const ids = await postMany(5, "bpfkill-a");
    const bpf = execFileSync("pgrep", ["-P", String(w.proc.pid), "bpftrace"], {
      encoding: "utf8",
    }).trim();
    expect(bpf).toMatch(/^\d+$/);
    execFileSync("kill", ["-KILL", bpf]);
    // Filed while no bpftrace runs: the restart's reconcile must find these.
    ids.push(...(await postMany(5, "bpfkill-b")));
    await w.waitForLine(/re-attached: /);
    ids.push(...(await postMany(5, "bpfkill-c")));
    const f = await tally(rx, ids, 60_000);
    console.log("bpftrace killed:", JSON.stringify(f));
    expect(f).toEqual({
      posted: 15,
      delivered: 15,
      duplicated: 0,
      lost: 0,
      duplicatedAfterIdempotencyKey: 0,
    });
    expect(w.log.join("\n")).toMatch(/bpftrace exited .*restarting/);
  });

  it("batching webhook: outage, then SIGKILL mid-burst and restart: every article delivered", async () => {
    const dir = mkdtempSync(join(tmpdir(), "newsnotify-batch-"));
    rx = await startReceiver();
    rx.reply(503, 503);
    const cfg = config(dir, `${rx.url}/hook`, 50);
    const first = startWatch(cfg);
    await first.waitForLine(/ready: /);
    // Posted all at once, so that innd files them faster than one request each would go.
    const burst = (n: number, tag: string) =>
      Promise.all(Array.from({ length: n }, (_, i) => postOne(`${tag}${i}`)));
    const ids = await burst(20, "batch-a");
    await first.waitForLine(/attempt 2 failed/);
    first.proc.kill("SIGKILL");
    await first.proc;
    ids.push(...(await burst(10, "batch-b")));
    const second = startWatch(cfg);
    watchers.push(second);
    await second.waitForLine(/ready: /);
    ids.push(...(await burst(10, "batch-c")));
    const f = await tally(rx, ids, 60_000);
    const batched = rx.requests.filter((r) => idsOf(r.body).length > 1).length;
    console.log("batching webhook, outage + SIGKILL:", JSON.stringify({ ...f, batched }));
    expect({ posted: f.posted, delivered: f.delivered, lost: f.lost }).toEqual({
      posted: 40,
      delivered: 40,
      lost: 0,
    });
    // Nothing was accepted before the kill (503, 503), so nothing is sent twice.
    expect(f.duplicated).toBe(0);
    for (const r of rx.requests) expect(r.body).toHaveProperty("articles");
    expect(batched).toBeGreaterThan(0);
  });
});
