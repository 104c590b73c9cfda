#!/usr/bin/env node
// @ts-check
/**
 * Where newsnotify's time goes, stage by stage: each stage of its data path (built JS in dist/) run
 * alone over the same N articles, with CPU (user+sys, all threads) and wall time per article.
 * The end-to-end bench says *that* it is slow; this says *which part*. No root, no innd needed.
 *
 * USAGE: node bench/micro.mjs [--articles 2000] [--dist PATH] [--only REGEX]
 *   --only REGEX   run only the stages whose name matches (e.g. under `node --cpu-prof`)
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { makeArticle } from "./lib/articles.mjs";

const { values: a } = parseArgs({
  options: {
    articles: { type: "string", default: "2000" },
    dist: { type: "string", default: new URL("../dist", import.meta.url).pathname },
    only: { type: "string" },
  },
});
const N = Number(a.articles);
const dist = (/** @type {string} */ p) => import(pathToFileURL(join(a.dist, p)).href);

/** Runs `fn` and prints CPU and wall per article. @param {string} name @param {() => Promise<void>} fn */
async function stage(name, fn) {
  if (a.only && !new RegExp(a.only).test(name)) return;
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadMs();
  const t0 = performance.now();
  await fn();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const main = mainThreadMs() - main0;
  const ms = (cpu.user + cpu.system) / 1000;
  const row = `${name.padEnd(48)} ${(ms / N).toFixed(3).padStart(8)} ${(main / N).toFixed(3).padStart(9)} ${(wall / N).toFixed(3).padStart(9)}`;
  process.stdout.write(`${row}\n`);
}

/** CPU ms of this process's main thread alone (the rest is V8's GC and compiler threads, libuv's pool). */
function mainThreadMs() {
  return (
    Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8").split(" ")[0]) / 1e6
  );
}

/** An HTTP receiver in another process, so that its CPU is not counted here. */
async function receiver() {
  const code = `require("http").createServer((q,s)=>{q.resume();q.on("end",()=>s.end())}).listen(0,"127.0.0.1",function(){console.log(this.address().port)})`;
  const child = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise((r) => child.stdout.once("data", (d) => r(Number(String(d)))));
  return { url: `http://127.0.0.1:${port}/hook`, stop: () => child.kill() };
}

const dir = mkdtempSync(join(tmpdir(), "newsnotify-micro-"));
try {
  // The spool as innd leaves it: wire format, with the Xref line innd adds.
  const paths = /** @type {string[]} */ ([]);
  const lines = /** @type {string[]} */ ([]);
  const spool = join(dir, "spool");
  mkdirSync(join(spool, "bench", "test"), { recursive: true });
  for (let i = 0; i < N; i++) {
    const { wire } = makeArticle("micro", "burst", i);
    const path = join(spool, "bench", "test", String(i + 1));
    writeFileSync(path, wire.replace("\r\n", `\r\nXref: bench.example bench.test:${i + 1}\r\n`));
    paths.push(path);
    const data = `O 100 100 ${1e12 + i} -100 193 5 ${path}\n`;
    lines.push(JSON.stringify({ type: "printf", data }));
  }
  const { parseLine } = await dist("sources/protocol.js");
  const { Assembler } = await dist("sources/assemble.js");
  const { readWhenComplete } = await dist("storage/read.js");
  const { parseArticle } = await dist("article/parse.js");
  const { articlePayload } = await dist("notify/payload.js");
  const { sendHttp } = await dist("notify/http.js");
  const { Outbox } = await dist("state/outbox.js");

  process.stdout.write(`${N} articles; per article:${" ".repeat(20)}CPU ms  main thr   wall ms\n`);
  await stage("trace line → event (JSON.parse + regex)", async () => {
    const asm = new Assembler();
    for (const l of lines) asm.push(parseLine(l));
  });
  const raws = /** @type {Buffer[]} */ ([]);
  const readOpts = { maxBytes: 1 << 20, timeoutMs: 5000 };
  await stage("read complete file (open, readlink, fstat, read)", async () => {
    for (const p of paths) raws.push((await readWhenComplete(p, spool, readOpts)).raw);
  });
  await stage("  same, all in flight at once (as in watch)", async () => {
    await Promise.all(paths.map((p) => readWhenComplete(p, spool, readOpts)));
  });
  const articles = /** @type {any[]} */ ([]);
  await stage("parse article (unwire, MIME, RFC 2047, snippet)", async () => {
    raws.forEach((raw, i) => {
      const opts = { path: paths[i], group: "bench.test", number: i + 1, snippetChars: 300 };
      articles.push(parseArticle(raw, { ...opts, truncated: false, bytes: raw.length }));
    });
  });
  await stage("payload → JSON string", async () => {
    for (const art of articles) JSON.stringify(articlePayload(art));
  });

  const rx = await receiver();
  try {
    // Everything watch does per article after bpftrace, as watch wires it: trace line → event →
    // path → read → parse → outbox (fdatasync'd) → dispatcher → webhook, batching as configured.
    const { ArticleFlow } = await dist("flow/pipeline.js");
    const { fileDecoder } = await dist("sources/file-decoder.js");
    const { Dispatcher } = await dist("delivery/dispatcher.js");
    const { WebhookNotifier } = await dist("notify/webhook.js");
    const { RecordedNotifier } = await dist("delivery/recorded.js");
    const { LocalQueue } = await dist("delivery/local-queue.js");
    const flowRun = async (/** @type {number} */ batch) => {
      const box = await Outbox.open(join(dir, `flow-${batch}`));
      const queue = new LocalQueue(box);
      const hook = new RecordedNotifier(new WebhookNotifier({ url: rx.url, batch }), "t");
      const dispatcher = new Dispatcher([hook], {
        log: console.error,
        queue: { queue, targets: ["t"] },
      });
      const flow = new ArticleFlow({
        spool,
        activeFile: join(dir, "active"),
        read: readOpts,
        snippetChars: 300,
        log: (/** @type {string} */ level, /** @type {string} */ m) => console.error(level, m),
        deliver: async (/** @type {any} */ art) => {
          await queue.enqueue(art, ["t"]);
        },
      });
      const decoder = fileDecoder();
      const handled = [];
      for (const l of lines) {
        const out = await decoder.push(parseLine(l));
        for (const ev of out) handled.push(flow.handle(ev));
      }
      await Promise.all(handled);
      if ((await dispatcher.drain(60_000)) !== 0) throw new Error("not all delivered");
      await dispatcher.close();
      await box.close();
    };
    await stage("whole flow: event → ... → webhook, batch 1", () => flowRun(1));
    await stage("whole flow: event → ... → webhook, batch 100", () => flowRun(100));
    const req = (/** @type {any} */ art) => ({
      method: "POST",
      url: rx.url,
      json: articlePayload(art),
    });
    const { sendHttpNode } = await dist("notify/http-node.js");
    await stage("HTTP POST via sendHttpNode (webhook), serial", async () => {
      for (const art of articles) await sendHttpNode(req(art), { timeoutMs: 10_000 });
    });
    await stage("HTTP POST via sendHttp (ky → fetch; chat), serial", async () => {
      for (const art of articles) await sendHttp(req(art), { timeoutMs: 10_000 });
    });
    await stage("HTTP POST via global fetch, serial", async () => {
      for (const art of articles) {
        const r = await fetch(rx.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(articlePayload(art)),
        });
        await r.arrayBuffer();
      }
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    await stage("HTTP POST via node:http keep-alive, serial", async () => {
      for (const art of articles) {
        const body = JSON.stringify(articlePayload(art));
        await new Promise((resolve, reject) => {
          const r = request(rx.url, {
            method: "POST",
            agent,
            headers: {
              "content-type": "application/json",
              "content-length": Buffer.byteLength(body),
            },
          });
          r.on("response", (res) => res.resume().on("end", resolve));
          r.on("error", reject);
          r.end(body);
        });
      }
    });
    agent.destroy();
  } finally {
    rx.stop();
  }

  // The outbox as the webhook lane uses it: admit, then done (journal lines; no fsync per article).
  const outboxRun = async (/** @type {string} */ sub, serial = true) => {
    const box = await Outbox.open(join(dir, sub));
    if (serial) {
      for (const art of articles) {
        await box.admit(["t"], art);
        await box.done("t", art.messageId);
      }
    } else {
      await Promise.all(articles.map((art) => box.admit(["t"], art)));
      await Promise.all(articles.map((art) => box.done("t", art.messageId)));
    }
    await box.close();
  };
  await stage("outbox admit+done, one article at a time", () => outboxRun("s1"));
  await stage("outbox admit+done, all at once", () => outboxRun("s2", false));
  // The delivery queue over the journal as a lane uses it: enqueue, claim (one pread each), done.
  const { LocalQueue: Queue } = await dist("delivery/local-queue.js");
  await stage("queue enqueue+claim+done, one at a time", async () => {
    const q = new Queue(await Outbox.open(join(dir, "q1")));
    for (const art of articles) {
      await q.enqueue(art, ["t"]);
      await q.done(await q.claim("t", 1, 60_000));
    }
    await q.close();
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
