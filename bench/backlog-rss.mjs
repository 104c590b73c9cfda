// @ts-check
/**
 * backlog-rss: node's resident memory with a large backlog for a notifier whose receiver is down.
 *
 * USAGE: node --expose-gc bench/backlog-rss.mjs [--articles 100000] [--max-backlog N] [--dist PATH]
 *
 * Parses N generated articles (0.8-3 KB, snippet 300) and enqueues each, as watch does, for a
 * webhook on a port nobody listens on: every one stays pending, the lane retrying the first with
 * backoff. Prints RSS and heap after a full GC every N/5 articles, then closes the journal, opens
 * it again (the replay of a restart) and prints them once more. No root needed. `--dist` takes
 * another build (an older one is wired as it was: dispatch() and JournaledNotifier). The journal's
 * bytes per pending entry are printed too; `--max-backlog N` gives the webhook that cap (the oldest
 * dropped, one summary), to see it bound memory and the journal.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { makeArticle } from "./lib/articles.mjs";

const { values: a } = parseArgs({
  options: {
    articles: { type: "string", default: "100000" },
    "max-backlog": { type: "string" },
    dist: { type: "string", default: new URL("../dist", import.meta.url).pathname },
  },
});
const N = Number(a.articles);
const dist = (/** @type {string} */ p) => import(pathToFileURL(join(a.dist, p)).href);
const gc = /** @type {any} */ (globalThis).gc;
if (typeof gc !== "function") throw new Error("run with node --expose-gc");

const { parseArticle } = await dist("article/parse.js");
const { Outbox } = await dist("state/outbox.js");
const { Dispatcher } = await dist("delivery/dispatcher.js");
const { WebhookNotifier } = await dist("notify/webhook.js");
/** @type {any} */
const local = await dist("delivery/local-queue.js").catch(() => null);

const mb = (/** @type {number} */ b) => (b / 1048576).toFixed(1);
async function report(/** @type {string} */ what) {
  // Twice, a turn apart: freed buffers' memory is given back after the collection that found them.
  gc();
  await new Promise((r) => setImmediate(r));
  gc();
  const m = process.memoryUsage();
  process.stdout.write(
    `${what.padEnd(34)} rss ${mb(m.rss).padStart(6)} MB   heap used ${mb(m.heapUsed).padStart(6)} MB` +
      ` of ${mb(m.heapTotal).padStart(6)} MB   external ${mb(m.external).padStart(6)} MB\n`,
  );
}

/** The delivery side as this build wires it; returns enqueue and close. */
async function open(/** @type {string} */ dir) {
  const box = await Outbox.open(dir);
  // Port 9 (discard) on loopback: nothing listens, every attempt fails with ECONNREFUSED.
  const hook = new WebhookNotifier({ url: "http://127.0.0.1:9/down" });
  const cap = a["max-backlog"];
  if (cap !== undefined) Object.assign(hook, { maxBacklog: Number(cap) });
  const log = () => {};
  if (local) {
    const { RecordedNotifier } = await dist("delivery/recorded.js");
    const queue = new local.LocalQueue(box);
    const d = new Dispatcher([new RecordedNotifier(hook, "t")], {
      log,
      queue: { queue, targets: ["t"] },
    });
    return {
      box,
      enqueue: (/** @type {any} */ art) => queue.enqueue(art, ["t"]),
      close: async () => {
        await d.close();
        await queue.close();
      },
    };
  }
  const { JournaledNotifier } = await dist("delivery/journaled.js");
  const d = new Dispatcher([new JournaledNotifier(hook, "t", box)], { log });
  return {
    box,
    enqueue: async (/** @type {any} */ art) => {
      if ((await box.admit(["t"], art)).length > 0) d.dispatch(art);
    },
    close: async () => {
      await d.close();
      await box.close();
    },
  };
}

const dir = mkdtempSync(join(tmpdir(), "newsnotify-rss-"));
try {
  process.stdout.write(`${N} articles pending for a webhook whose receiver is down\n`);
  await report("start");
  let run = await open(dir);
  for (let i = 0; i < N; i++) {
    const { wire } = makeArticle("rss", "burst", i);
    const raw = Buffer.from(
      wire.replace("\r\n", `\r\nXref: bench.example bench.test:${i + 1}\r\n`),
    );
    const art = parseArticle(raw, {
      path: `/spool/bench/test/${i + 1}`,
      group: "bench.test",
      number: i + 1,
      snippetChars: 300,
      truncated: false,
      bytes: raw.length,
    });
    await run.enqueue(art);
    if ((i + 1) % (N / 5) === 0) await report(`${i + 1} pending`);
  }
  const size = statSync(join(dir, "outbox.jsonl")).size;
  const pending = run.box.pendingCount();
  process.stdout.write(
    `journal: ${mb(size)} MB; pending: ${pending}; ${Math.round(size / N)} bytes per article enqueued\n`,
  );
  await run.close();
  run = await open(dir);
  await report(`after a restart (replayed ${run.box.pendingCount()})`);
  await run.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
