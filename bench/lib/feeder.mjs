// @ts-check
/**
 * Feeds innd over one NNTP streaming connection (MODE STREAM, pipelined TAKETHIS), as a peer
 * would: never one inews per article. Runs in a worker thread so that writing the feed never
 * delays the main thread, which timestamps the notifications.
 *
 *   const r = await feed({ port, runId, phase: "burst", count: 2000, rate: 0 });
 *   // r.accepted (239), r.rejected (439), r.other (anything else), r.startMs, r.endMs
 *   feed({ ..., mix });              // the busy feed's articles (mix.mjs) instead
 *   feed({ ..., groups: [a, b] });   // uniform articles, article i in groups[i % 2]
 */
import net from "node:net";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { makeArticle } from "./articles.mjs";
import { nowMs, sleep } from "./clock.mjs";
import { busyArticle, planMix } from "./mix.mjs";

/**
 * @typedef {{host?: string, port: number, runId: string, phase: string, count: number,
 *   rate?: number, window?: number, mix?: import("./mix.mjs").MixOptions,
 *   groups?: string[]}} FeedOptions
 * @typedef {{accepted: number, rejected: number, other: string[], ids: string[],
 *   bytes: number, startMs: number, endMs: number}} FeedResult  bytes: the articles sent
 */

/** @param {FeedOptions} opts @returns {Promise<FeedResult>} */
export function feed(opts) {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL(import.meta.url), { workerData: opts });
    w.once("message", resolve);
    w.once("error", reject);
    w.once("exit", (code) => code !== 0 && reject(new Error(`feeder exited with ${code}`)));
  });
}

/** @param {FeedOptions} o @returns {Promise<FeedResult>} */
async function run(o) {
  const window = o.window ?? 64;
  // Generated up front: building articles must not pace the feed.
  const { mix, groups } = o;
  const articles = mix
    ? planMix(o.count, mix).map((s) => busyArticle(o.runId, o.phase, s, mix.seed))
    : Array.from({ length: o.count }, (_, i) =>
        makeArticle(o.runId, o.phase, i, groups?.[i % groups.length]),
      );
  const bytes = articles.reduce((n, a) => n + a.wire.length, 0);
  const sock = net.connect(o.port, o.host ?? "127.0.0.1");
  sock.setNoDelay(true);
  sock.setEncoding("latin1");
  const replies = lineQueue(sock);
  expect(await replies.next(), "200");
  sock.write("MODE STREAM\r\n");
  expect(await replies.next(), "203");

  const result = {
    accepted: 0,
    rejected: 0,
    other: /** @type {string[]} */ ([]),
    ids: /** @type {string[]} */ ([]),
  };
  let outstanding = 0;
  const collect = (/** @type {string} */ line) => {
    outstanding--;
    const [code, id] = line.split(" ");
    if (code === "239" && id) {
      result.accepted++;
      result.ids.push(id);
    } else if (code === "439") result.rejected++;
    else if (result.other.length < 20) result.other.push(line);
  };

  const startMs = nowMs();
  for (let i = 0; i < articles.length; i++) {
    // Paced: article i is due at start + i/rate; absolute due times, so timer lateness never adds up.
    if (o.rate) {
      const wait = startMs + (i * 1000) / o.rate - nowMs();
      if (wait > 0.5) await sleep(wait);
    }
    while (outstanding >= window) collect(await replies.next());
    const a = /** @type {{id: string, wire: string}} */ (articles[i]);
    outstanding++;
    // latin1: one byte per character, so the busy feed's 8-bit binaries go out as they are.
    if (!sock.write(`TAKETHIS ${a.id}\r\n${a.wire}`, "latin1"))
      await new Promise((r) => sock.once("drain", r));
    // Read replies that are already here, so the window stays honest without waiting.
    for (let line = replies.poll(); line !== undefined; line = replies.poll()) collect(line);
  }
  while (outstanding > 0) collect(await replies.next());
  const endMs = nowMs();
  sock.end("QUIT\r\n");
  return { ...result, bytes, startMs, endMs };
}

/** @param {string} line @param {string} code */
function expect(line, code) {
  if (!line.startsWith(code))
    throw new Error(`innd said ${JSON.stringify(line)}, expected ${code}`);
}

/** Lines from a socket: `next()` waits for one, `poll()` takes one only if already received. */
function lineQueue(/** @type {net.Socket} */ sock) {
  /** @type {string[]} */
  const lines = [];
  /** @type {{resolve: (line: string) => void, reject: (e: Error) => void} | null} */
  let waiter = null;
  /** @type {Error | null} */
  let failed = null;
  let buf = "";
  sock.on("data", (/** @type {string} */ chunk) => {
    buf += chunk;
    for (let nl = buf.indexOf("\r\n"); nl >= 0; nl = buf.indexOf("\r\n")) {
      lines.push(buf.slice(0, nl));
      buf = buf.slice(nl + 2);
    }
    if (waiter && lines.length > 0) {
      const w = waiter;
      waiter = null;
      w.resolve(/** @type {string} */ (lines.shift()));
    }
  });
  const fail = (/** @type {Error} */ e) => {
    failed ??= e;
    waiter?.reject(e);
    waiter = null;
  };
  sock.on("error", fail);
  sock.on("close", () => fail(new Error("innd closed the connection")));
  return {
    poll: () => lines.shift(),
    /** @returns {Promise<string>} */
    next: () => {
      const line = lines.shift();
      if (line !== undefined) return Promise.resolve(line);
      if (failed) return Promise.reject(failed);
      return new Promise((resolve, reject) => {
        waiter = { resolve, reject };
      });
    },
  };
}

if (!isMainThread && parentPort) {
  parentPort.postMessage(await run(workerData));
}
