/**
 * maxBacklog end to end on the real innd: `bin/newsnotify watch` traces innd, its webhook receiver
 * is down (nothing listens on its port), 12 articles are posted, then the receiver comes up: it
 * gets the 5 newest and one summary saying 7 were dropped, and nothing else.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ensureGroup,
  ensureInnd,
  newMessageId,
  post,
  requirePrerequisites,
} from "../helpers/inn.js";
import { freePort } from "../helpers/postgres.js";
import { type Receiver, startReceiver } from "../helpers/receiver.js";
import { startWatch, type Watcher } from "../helpers/watch.js";

const GROUP = "local.test";

async function until(ok: () => boolean, what: string, log: () => string): Promise<void> {
  for (const t0 = Date.now(); !ok(); ) {
    if (Date.now() - t0 > 60_000)
      throw new Error(`${what} not reached in 60 s; watch said:\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Posts; while innd refuses connections for a while (innwatch pauses it when the shared machine's
 * load is high), tries again, up to two minutes; any other refusal fails at once.
 */
async function postPatiently(article: string): Promise<void> {
  for (const t0 = Date.now(); ; ) {
    try {
      post(article);
      return;
    } catch (e) {
      const busy = /Connection reset|Connection refused|paused|throttled/i.test(String(e));
      if (!busy || Date.now() - t0 > 120_000) throw e;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

/** The journal's lines of one kind (JSON lines; compaction keeps pending and finished ones). */
function journal(state: string): { op: string; why?: string; article?: { messageId: string } }[] {
  try {
    return readFileSync(join(state, "outbox.jsonl"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  } catch {
    return [];
  }
}

describe("maxBacklog on a real innd", () => {
  let rx: Receiver | null = null;
  let watcher: Watcher | null = null;

  beforeAll(() => {
    requirePrerequisites();
    ensureInnd();
    ensureGroup(GROUP);
  });

  afterAll(async () => {
    await watcher?.stop();
    await rx?.close();
  });

  it("receiver down, cap 5, 12 posted, receiver up: the 5 newest and one summary of 7", async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "newsnotify-maxbacklog-"));
    const state = join(dir, "state");
    const config = join(dir, "config.yaml");
    writeFileSync(
      config,
      `mode: auto\nstateDir: ${state}\nnotifiers:\n  - type: webhook\n` +
        `    url: http://127.0.0.1:${port}/hook\n    maxBacklog: 5\n`,
    );
    const w = startWatch(config);
    watcher = w;
    await w.waitForLine(/ready: /);
    const ids: string[] = [];
    for (let i = 1; i <= 12; i++) {
      const id = newMessageId(`maxbacklog${i}`);
      ids.push(id);
      await postPatiently(
        `Message-ID: ${id}\nFrom: mb@example.net\nNewsgroups: ${GROUP}\nSubject: mb ${i}\n\nbody ${i}\n`,
      );
    }
    const log = () => w.log.join("\n");
    // All 12 seen and the 7 oldest dropped in the journal (durably) before the receiver comes up.
    await until(
      () => {
        const lines = journal(state);
        const added = new Set(lines.filter((l) => l.op === "add").map((l) => l.article?.messageId));
        const dropped = lines.filter((l) => l.op === "drop" && /oldest dropped/.test(l.why ?? ""));
        return ids.every((id) => added.has(id)) && dropped.length === 7;
      },
      "12 articles journaled and 7 dropped",
      log,
    );
    await w.waitForLine(/more than maxBacklog 5 waiting: the oldest are dropped/);
    rx = await startReceiver(port);
    const got = await rx.waitFor(6, 90_000).catch((e: Error) => {
      throw new Error(`${e.message}\nwatch said:\n${log()}`);
    });
    // Anything late (a repeat, a second summary) would show up now.
    await new Promise((r) => setTimeout(r, 2000));
    const bodies = rx.requests.map((r) => r.body as { messageId: string; subject: string });
    expect(got).toHaveLength(6);
    expect(bodies).toHaveLength(6);
    // A webhook sends up to 8 at once: which order they arrive in is not the point.
    const notices = bodies.filter((b) => b.messageId.endsWith("@maxbacklog.newsnotify.invalid>"));
    const articles = bodies.filter((b) => !notices.includes(b)).map((b) => b.messageId);
    expect(articles.sort()).toEqual(ids.slice(7).sort());
    expect(notices).toHaveLength(1);
    expect(notices[0]?.subject).toMatch(
      /^newsnotify: 7 notification\(s\) dropped since \S+ \(maxBacklog 5\)$/,
    );
  }, 240_000);
});
