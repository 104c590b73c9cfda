#!/usr/bin/env node
// @ts-check
/**
 * Where newsnotify's time goes, stage by stage: each stage of its data path (built JS in dist/) run
 * alone over the same N articles, with CPU (user+sys, all threads) and wall time per article.
 * The end-to-end bench says *that* it is slow; this says *which part*. No root, no innd needed.
 *
 * The rows follow the flow's stages (issue 22 reports each before and after a change): line decode,
 * read, parse, route, journal, request, then the whole flow; with `--feed busy` over the busy feed's
 * mix (bench/lib/mix.mjs: binaries, crossposts, one wanted group) with a webhook subscribed to that
 * group, and with rows for the binaries alone and for reading only the header block (what routing
 * before reading would cost), per article of the subset named.
 *
 * USAGE: node bench/micro.mjs [--articles 2000] [--dist PATH] [--only REGEX] [--feed busy] [--repeat K] [--threads]
 *   --only REGEX   run only the stages whose name matches (e.g. under `node --cpu-prof`)
 *   --repeat K     busy feed: run the unwanted article's rows K times over (1; more samples per row)
 *   --threads      under each row, its CPU per article by thread (main, the parse thread, V8's and
 *                  libuv's threads: all named "node" on node 20, told apart by their thread id)
 *   --feed F       uniform (default: 0.8–3 KB text posts in one group, every one wanted) or busy
 *   --seed N       the busy mix's seed (1)
 */
import { spawn } from "node:child_process";
import {
  closeSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { readFile } from "node:fs/promises";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PerformanceObserver } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { GROUP, makeArticle } from "./lib/articles.mjs";
import { busyArticle, describeMix, MIX_DEFAULTS, planMix, WANTED_GROUP } from "./lib/mix.mjs";
import { unwantedStages } from "./lib/unwanted-stages.mjs";

const { values: a } = parseArgs({
  options: {
    articles: { type: "string", default: "2000" },
    dist: { type: "string", default: new URL("../dist", import.meta.url).pathname },
    only: { type: "string" },
    feed: { type: "string", default: "uniform" },
    seed: { type: "string", default: String(MIX_DEFAULTS.seed) },
    repeat: { type: "string", default: "1" },
    threads: { type: "boolean", default: false },
  },
});
const REPEAT = Math.max(1, Number(a.repeat));
const N = Number(a.articles);
if (a.feed !== "uniform" && a.feed !== "busy") {
  process.stderr.write(`micro: --feed: expected uniform or busy, got ${JSON.stringify(a.feed)}\n`);
  process.exit(2);
}
const busy = a.feed === "busy";
const mix = { ...MIX_DEFAULTS, seed: Number(a.seed) };
/** The subscription: the busy feed's one wanted group, or the uniform feed's only group. */
const WANTED = busy ? WANTED_GROUP : GROUP;
const dist = (/** @type {string} */ p) => import(pathToFileURL(join(a.dist, p)).href);

/** The main thread's GC pauses (ms), summed as V8 reports them: the GC column of each row. */
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ["gc"] });

/**
 * Runs `fn` and prints CPU and wall per article (of `per` articles: a subset's rows divide by its size).
 * @param {string} name @param {() => Promise<void> | void} fn
 */
async function stage(name, fn, per = N) {
  if (a.only && !new RegExp(a.only).test(name)) return;
  const cpu0 = process.cpuUsage();
  const threads0 = threadMs();
  const main0 = mainThreadMs();
  const gc0 = gcMs;
  const t0 = performance.now();
  await fn();
  const wall = performance.now() - t0;
  // The observer's entries arrive some turns later: let them in before reading the sum.
  await new Promise((r) => setTimeout(r, 20));
  const cpu = process.cpuUsage(cpu0);
  const main = mainThreadMs() - main0;
  const ms = (cpu.user + cpu.system) / 1000;
  const gc = gcMs - gc0;
  const row = `${name.padEnd(56)} ${(ms / per).toFixed(3).padStart(8)} ${(main / per).toFixed(3).padStart(9)} ${(wall / per).toFixed(3).padStart(9)} ${(gc / per).toFixed(3).padStart(7)}`;
  process.stdout.write(`${row}\n`);
  if (a.threads) process.stdout.write(`    threads: ${threadDelta(threads0, threadMs(), per)}\n`);
}

/** CPU ms of each of this process's threads by name (a worker that exited is missing). */
function threadMs() {
  const out = new Map();
  for (const t of readdirSync("/proc/self/task")) {
    try {
      const stat = readFileSync(`/proc/self/task/${t}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // utime and stime, in clock ticks: USER_HZ, 100 on Linux (getconf CLK_TCK).
      const ms = ((Number(f[11]) + Number(f[12])) * 1000) / 100;
      const k = t === String(process.pid) ? "main" : `${name}/${t}`;
      out.set(k, (out.get(k) ?? 0) + ms);
    } catch {}
  }
  return out;
}

/** Per-article CPU of each thread group that used any: "name ms, ...". */
function threadDelta(
  /** @type {Map<string, number>} */ from,
  /** @type {Map<string, number>} */ to,
  /** @type {number} */ per,
) {
  return [...to]
    .map(([k, v]) => [k, (v - (from.get(k) ?? 0)) / per])
    .filter(([, v]) => Number(v) > 0)
    .sort((x, y) => Number(y[1]) - Number(x[1]))
    .map(([k, v]) => `${k} ${Number(v).toFixed(3)}`)
    .join(", ");
}

/** CPU ms of this process's main thread alone (the rest is V8's GC and compiler threads, libuv's pool). */
function mainThreadMs() {
  return (
    Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8").split(" ")[0]) / 1e6
  );
}

/**
 * The header block alone, as routing before reading would read it: synchronous reads of 8 KB until
 * the blank line, at most `cap` bytes (a bounded read; src/storage/read.ts reads synchronously too).
 * @param {string} path @returns {Buffer}
 */
function readHeaderBlock(path, cap = 64 * 1024) {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.allocUnsafe(cap);
    let n = 0;
    while (n < cap) {
      const got = readSync(fd, buf, n, Math.min(8192, cap - n), n);
      if (got === 0) break;
      const from = Math.max(0, n - 3);
      n += got;
      const end = buf.subarray(from, n).indexOf("\r\n\r\n");
      if (end >= 0) return Buffer.from(buf.subarray(0, from + end + 4));
    }
    return Buffer.from(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
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
  // The spool as innd leaves it (tradspool): wire format, with the Xref line innd adds; a crosspost
  // is one file in its first group and hard links in the others, and the trace sees the first.
  const paths = /** @type {string[]} */ ([]);
  const lines = /** @type {string[]} */ ([]);
  const spool = join(dir, "spool");
  const plan = busy ? planMix(N, mix) : null;
  /** @type {Map<string, number>} */
  const numbers = new Map();
  for (let i = 0; i < N; i++) {
    const slot = plan?.[i];
    const { wire } = slot
      ? busyArticle("micro", "burst", slot, mix.seed)
      : makeArticle("micro", "burst", i);
    const groups = slot ? slot.newsgroups : [GROUP];
    const filed = groups.map((g) => {
      const n = (numbers.get(g) ?? 0) + 1;
      numbers.set(g, n);
      const d = join(spool, ...g.split("."));
      mkdirSync(d, { recursive: true });
      return { g, n, path: join(d, String(n)) };
    });
    const xref = `Xref: bench.example ${filed.map((f) => `${f.g}:${f.n}`).join(" ")}`;
    const [first, ...links] = filed;
    if (!first) throw new Error("an article with no group");
    writeFileSync(first.path, wire.replace("\r\n", `\r\n${xref}\r\n`), "latin1");
    for (const l of links) linkSync(first.path, l.path);
    paths.push(first.path);
    const data = `O 100 100 ${1e12 + i} -100 193 5 ${first.path}\n`;
    lines.push(JSON.stringify({ type: "printf", data }));
  }
  /** Indexes of the binaries (busy feed): the rows that show what a 500 KB article costs. */
  const binaries = plan ? plan.filter((s) => s.kind === "binary").map((s) => s.index) : [];
  if (plan) {
    const m = describeMix(plan);
    process.stdout.write(
      `busy feed (seed ${mix.seed}): ${m.binaries} binaries, ${m.wanted} wanted in ${WANTED_GROUP} ` +
        `(${m.wantedCrossposts} crossposts filed first elsewhere), ${Math.round(m.bytes / 1e6)} MB\n`,
    );
  }
  const { parseLine } = await dist("sources/protocol.js");
  const { Assembler } = await dist("sources/assemble.js");
  const { readWhenComplete } = await dist("storage/read.js");
  const { parseArticle } = await dist("article/parse.js");
  const { articlePayload } = await dist("notify/payload.js");
  const { sendHttp } = await dist("notify/http.js");
  const { Outbox } = await dist("state/outbox.js");
  const { compileRoute, compileGate } = await dist("notify/route.js");

  // Warm-up, not measured: the first rows would otherwise pay the JIT and the page cache alone.
  for (const p of paths.slice(0, 50)) {
    const { raw } = await readWhenComplete(p, spool, { maxBytes: 1 << 20, timeoutMs: 5000 });
    parseArticle(raw, {
      path: p,
      group: GROUP,
      number: 1,
      snippetChars: 300,
      truncated: false,
      bytes: raw.length,
    });
    readHeaderBlock(p);
  }
  process.stdout.write(
    `${N} articles; per article:${" ".repeat(28)}CPU ms  main thr   wall ms   GC ms\n`,
  );
  await stage("line decode: trace line → event (JSON.parse + regex)", async () => {
    const asm = new Assembler();
    for (const l of lines) asm.push(parseLine(l));
  });
  const raws = /** @type {Buffer[]} */ ([]);
  const readOpts = { maxBytes: 1 << 20, timeoutMs: 5000 };
  await stage("read: complete file (open, readlink, fstat, read)", async () => {
    for (const p of paths) raws.push((await readWhenComplete(p, spool, readOpts)).raw);
  });
  await stage("  same, all in flight at once (as in watch)", async () => {
    await Promise.all(paths.map((p) => readWhenComplete(p, spool, readOpts)));
  });
  // The alternative read.ts measured against (issue 22: promise-based fs for small files).
  await stage("  alternative: fs/promises readFile, serial (no wait, no checks)", async () => {
    for (const p of paths) await readFile(p);
  });
  await stage("  alternative: fs/promises readFile, all in flight at once", async () => {
    await Promise.all(paths.map((p) => readFile(p)));
  });
  // A later stage needs an earlier one's output even when --only left that one out.
  if (raws.length === 0)
    for (const p of paths) raws.push((await readWhenComplete(p, spool, readOpts)).raw);
  const heads = /** @type {Buffer[]} */ ([]);
  await stage("read: header block only (sync, ≤ 64 KB, to the blank line)", () => {
    for (const p of paths) heads.push(readHeaderBlock(p));
  });
  if (binaries.length) {
    const bpaths = binaries.map((i) => /** @type {string} */ (paths[i]));
    await stage(
      `  binaries only (${binaries.length}): complete file`,
      async () => {
        for (const p of bpaths) await readWhenComplete(p, spool, readOpts);
      },
      binaries.length,
    );
    await stage(
      `  binaries only (${binaries.length}): header block only`,
      () => {
        for (const p of bpaths) readHeaderBlock(p);
      },
      binaries.length,
    );
  }
  const parseOpts = (/** @type {number} */ i, /** @type {Buffer} */ raw) => ({
    path: paths[i],
    group: plan?.[i]?.newsgroups[0] ?? GROUP,
    number: i + 1,
    snippetChars: 300,
    truncated: false,
    bytes: raw.length,
  });
  if (heads.length === 0) for (const p of paths) heads.push(readHeaderBlock(p));
  const articles = /** @type {any[]} */ ([]);
  await stage("parse: article (unwire, MIME, RFC 2047, snippet)", () => {
    raws.forEach((raw, i) => {
      articles.push(parseArticle(raw, parseOpts(i, raw)));
    });
  });
  // What watch does since issue 23: the same parse in one warm worker thread (its start-up and
  // first parse not counted), one article at a time, the bytes copied over and the Article back.
  const { ParseThread } = await dist("storage/parse-thread.js");
  const thread = new ParseThread();
  await thread.parse(raws[0], parseOpts(0, raws[0]));
  await stage("parse article in the parse thread (warm), serial", async () => {
    for (let i = 0; i < raws.length; i++) {
      const out = await thread.parse(raws[i], parseOpts(i, raws[i]));
      if (out.kind !== "parsed") throw new Error(`parse thread: ${JSON.stringify(out)}`);
    }
  });
  if (binaries.length) {
    await stage(
      `  binaries only (${binaries.length})`,
      () => {
        for (const i of binaries) {
          const raw = /** @type {Buffer} */ (raws[i]);
          parseArticle(raw, parseOpts(i, raw));
        }
      },
      binaries.length,
    );
  }
  await stage("parse: header block only (the same parser, no body)", () => {
    heads.forEach((head, i) => {
      parseArticle(head, parseOpts(i, head));
    });
  });
  if (articles.length === 0)
    raws.forEach((raw, i) => {
      articles.push(parseArticle(raw, parseOpts(i, raw)));
    });
  const route = compileRoute({ groups: WANTED });
  await stage(`route: groups "${WANTED}" (wildmat over Newsgroups)`, () => {
    for (const art of articles) route(art);
  });
  const sent = articles.filter((art) => route(art).send).length;
  process.stdout.write(`  (the route sends ${sent} of ${N})\n`);
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
    const { Routed } = await dist("notify/build.js");
    const { admit } = await dist("delivery/admit.js");
    let runs = 0;
    /**
     * The flow as watch wires it; `cut` stops it early, for the breakdown rows: "parse" delivers
     * nowhere (line → read → parse), "journal" admits to the outbox with nothing draining it, "null"
     * delivers through dispatcher and lane to a notifier that answers at once (no request).
     */
    const flowRun = async (
      /** @type {number} */ batch,
      /** @type {any} */ parseThread = undefined,
      /** @type {string[]} */ only = lines,
      /** @type {"parse" | "journal" | "null" | undefined} */ cut = undefined,
    ) => {
      const box = await Outbox.open(join(dir, `flow-${++runs}`));
      const queue = new LocalQueue(box);
      const inner =
        cut === "null"
          ? {
              label: "null",
              concurrency: 8,
              preview: () => null,
              send: () => Promise.resolve(),
            }
          : new WebhookNotifier({ url: rx.url, batch });
      // As watch builds a notifier: its route inside (admit enqueues only what the route wants).
      const webhook = new Routed(inner, route, undefined);
      const hook = new RecordedNotifier(webhook, "t");
      const dispatcher =
        cut === "parse" || cut === "journal"
          ? null
          : new Dispatcher([hook], { log: console.error, queue: { queue, targets: ["t"] } });
      const flow = new ArticleFlow({
        spool,
        activeFile: join(dir, "active"),
        read: readOpts,
        snippetChars: 300,
        parseThread,
        // As watch asks (builds before issue 22 have no gate: every article read and parsed whole).
        route: compileGate?.([{ groups: WANTED }]),
        log: (/** @type {string} */ level, /** @type {string} */ m) => console.error(level, m),
        deliver: async (/** @type {any} */ art) => {
          if (cut !== "parse") await admit(queue, [hook], art);
        },
      });
      const decoder = fileDecoder();
      const handled = [];
      for (const l of only) {
        const out = await decoder.push(parseLine(l));
        for (const ev of out) handled.push(flow.handle(ev));
      }
      await Promise.all(handled);
      if (dispatcher) {
        if ((await dispatcher.drain(60_000)) !== 0) throw new Error("not all delivered");
        await dispatcher.close();
      }
      await box.close();
    };
    await stage(`whole flow: event → ... → webhook (groups "${WANTED}"), batch 1`, () =>
      flowRun(1),
    );
    await stage(`whole flow: event → ... → webhook (groups "${WANTED}"), batch 100`, () =>
      flowRun(100),
    );
    const batch1Thread = `whole flow, groups "${WANTED}", batch 1, parse thread (as watch)`;
    await stage(batch1Thread, () => flowRun(1, thread));
    await stage(`whole flow, groups "${WANTED}", batch 100, parse thread (as watch)`, () =>
      flowRun(100, thread),
    );
    // The rows above include V8 compiling the hot code (on its own threads): a watcher pays that
    // once, a bench's burst in a fresh process pays it inside the burst. Here it is done.
    const again = "  again, batch 1 (warm: V8 has compiled the flow)";
    // Warmed here when --only left the row above out.
    if (a.only && new RegExp(a.only).test(again) && !new RegExp(a.only).test(batch1Thread))
      await flowRun(1, thread);
    await stage(again, () => flowRun(1, thread));
    // Where the batch-1 flow's time goes: the same flow cut short at each stage (differences of
    // these rows are each stage's share; the last full row above is the whole).
    await stage("  cut: line → read → parse thread (delivered nowhere)", () =>
      flowRun(1, thread, lines, "parse"),
    );
    await stage("  cut: ... → journal admit (nothing drains it)", () =>
      flowRun(1, thread, lines, "journal"),
    );
    await stage("  cut: ... → dispatcher → lane → notifier that answers at once", () =>
      flowRun(1, thread, lines, "null"),
    );
    if (plan) {
      // Issue 22's ≤ 0.1 ms per unwanted article: the flow over the articles nobody wants alone.
      const unwanted = lines.filter((_, i) => !plan[i]?.newsgroups.includes(WANTED));
      await stage(
        `whole flow, unwanted only (${unwanted.length}), parse thread (as watch)`,
        () => flowRun(1, thread, unwanted),
        unwanted.length,
      );
      await unwantedStages({
        stage,
        dist,
        lines: unwanted,
        spool,
        dir,
        wanted: WANTED,
        repeat: REPEAT,
      });
    }
    // The request and the journal for the articles the route sends: what a wanted article costs.
    const wantedArticles = articles.filter((art) => route(art).send);
    const req = (/** @type {any} */ art) => ({
      method: "POST",
      url: rx.url,
      json: articlePayload(art),
    });
    const { sendHttpNode } = await dist("notify/http-node.js");
    await stage("request: HTTP POST via sendHttpNode (webhook), serial", async () => {
      for (const art of articles) await sendHttpNode(req(art), { timeoutMs: 10_000 });
    });
    if (busy) {
      await stage(
        `  wanted only (${wantedArticles.length})`,
        async () => {
          for (const art of wantedArticles) await sendHttpNode(req(art), { timeoutMs: 10_000 });
        },
        wantedArticles.length,
      );
    }
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
  await stage("journal: outbox admit+done, one article at a time", () => outboxRun("s1"));
  await stage("journal: outbox admit+done, all at once", () => outboxRun("s2", false));
  // The delivery queue over the journal as a lane uses it: enqueue, claim (one pread each), done.
  const { LocalQueue: Queue } = await dist("delivery/local-queue.js");
  await stage("journal: queue enqueue+claim+done, one at a time", async () => {
    const q = new Queue(await Outbox.open(join(dir, "q1")));
    for (const art of articles) {
      await q.enqueue(art, ["t"]);
      await q.done(await q.claim("t", 1, 60_000));
    }
    await q.close();
  });
  await thread.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
