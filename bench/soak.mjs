#!/usr/bin/env node
// @ts-check
/**
 * newsnotify soak (issue 14): a long run with the faults a watcher meets, on a private innd (the
 * bench's, bench/lib/inn.mjs). Articles go in waves (a burst, then a paced stretch) while the
 * webhook receiver goes down twice and newsnotify's bpftrace is SIGKILLed once. Every 10 s it
 * samples node's and bpftrace's RSS, node's open file descriptors, and the state directory's size.
 * At the end: lost and duplicated articles, RSS after warm-up (flat within ±15 % of its median?),
 * bench/results/soak-<label>.{json,md,svg}. Not part of CI: it takes ~30 minutes.
 *
 * USAGE: sudo node bench/soak.mjs [--articles 100000] [--minutes 30] [--label NAME]
 *   --articles N   articles in all (default 100000)
 *   --minutes M    spread over about M minutes (default 30), in waves of 90 s
 *   --wave S       seconds per wave (default 90; shorter for a quick trial of the script)
 *   --bin PATH     another build's bin/newsnotify (e.g. a copy, so that rebuilding this checkout
 *                  during the half hour cannot change what runs)
 *   --label NAME   results as bench/results/soak-NAME.* (default: the date)
 *   --out DIR      results directory (default bench/results)
 *   --keep         keep the private INN instance's directory afterwards
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { GROUP, phaseOf } from "./lib/articles.mjs";
import { stopChild } from "./lib/child.mjs";
import { nowMs, sleep } from "./lib/clock.mjs";
import { BIN, shimNodeArgs } from "./lib/contenders/newsnotify.mjs";
import { feed } from "./lib/feeder.mjs";
import { freePort, reapLeftovers, startInn } from "./lib/inn.mjs";
import { load, machineInfo, preflight } from "./lib/machine.mjs";
import { commOf, descendants, memoryMb } from "./lib/proc.mjs";
import { soakSvg } from "./lib/soak-svg.mjs";
import { percentile } from "./lib/stats.mjs";

const { values: a } = parseArgs({
  options: {
    articles: { type: "string", default: "100000" },
    minutes: { type: "string", default: "30" },
    wave: { type: "string", default: "90" },
    bin: { type: "string" },
    label: { type: "string" },
    keep: { type: "boolean", default: false },
    out: { type: "string", default: fileURLToPath(new URL("./results", import.meta.url)) },
  },
});
const total = Number(a.articles);
const minutes = Number(a.minutes);
const label = `soak-${a.label ?? new Date().toISOString().slice(0, 10)}`;
const say = (/** @type {string} */ s) =>
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} soak: ${s}\n`);

const WAVE_S = Number(a.wave);
/** Fraction of a wave's articles sent as one burst at its start; the rest paced over the wave. */
const BURST = 0.6;

/** Stops everything started so far, in reverse order; runs once, also on SIGINT. */
const cleanups = /** @type {(() => Promise<unknown> | unknown)[]} */ ([]);
let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  for (const f of cleanups.reverse())
    await Promise.resolve()
      .then(f)
      .catch((e) => say(`cleanup: ${e}`));
}
for (const sig of /** @type {const} */ (["SIGINT", "SIGTERM"])) {
  process.on(sig, () => void cleanup().then(() => process.exit(130)));
}

/** Phase names of letters only (articles.mjs's phaseOf reads [a-z]+): wave 0 → "wa", 27 → "wbb". */
const phaseName = (/** @type {number} */ i) => {
  let s = "";
  let n = i;
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return `w${s}`;
};

/**
 * An HTTP receiver that can go down (refuse connections) and come back on the same port. Each
 * accepted article counted by Message-ID.
 */
async function receiver() {
  /** @type {Map<string, number>} */
  const got = new Map();
  let requests = 0;
  const server = createServer((req, res) => {
    const chunks = /** @type {Buffer[]} */ ([]);
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      requests++;
      res.writeHead(200, { "content-type": "text/plain" }).end();
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        for (const art of body.articles ?? [body]) {
          const id = String(art.messageId);
          got.set(id, (got.get(id) ?? 0) + 1);
        }
      } catch {}
    });
  });
  const port = await freePort();
  const listen = () =>
    new Promise((/** @type {(v: void) => void} */ r) => server.listen(port, "127.0.0.1", r));
  await listen();
  let up = true;
  return {
    port,
    got,
    requests: () => requests,
    get up() {
      return up;
    },
    async down() {
      up = false;
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
    async upAgain() {
      await listen();
      up = true;
    },
    async stop() {
      if (up) await this.down();
    },
  };
}

/** Bytes in a directory (its files, not recursive). @param {string} dir */
function dirBytes(dir) {
  try {
    return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
  } catch {
    return null;
  }
}

/** @param {number} pid */
function fdCount(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

async function main() {
  preflight();
  const machine = { ...machineInfo(a.bin), loadBefore: load() };
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  await reapLeftovers(tmpdir(), "newsnotify-bench-", say);
  const root = mkdtempSync(join(tmpdir(), "newsnotify-bench-"));
  cleanups.push(() =>
    a.keep ? say(`kept ${root}`) : rmSync(root, { recursive: true, force: true }),
  );
  say(`private innd in ${root}`);
  const inn = await startInn({
    root,
    port: await freePort(),
    newsfeedsExtra: "",
    historySize: Math.max(20_000, 2 * total),
  });
  cleanups.push(() => inn.stop());
  inn.newgroup(GROUP);
  await feed({ port: inn.port, runId, phase: "warm", count: 1 });

  const rx = await receiver();
  cleanups.push(() => rx.stop());
  // Not under root: that belongs to news, and newsnotify refuses a parent another user could swap.
  const stateDir = mkdtempSync(join(tmpdir(), "newsnotify-state-"));
  cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
  const config = join(root, "newsnotify.yaml");
  writeFileSync(
    config,
    `mode: auto\nspool: ${inn.spool}\nactiveFile: ${inn.activeFile}\nstateDir: ${stateDir}\n` +
      `notifiers:\n  - type: webhook\n    url: http://127.0.0.1:${rx.port}/hook\n    batch: 100\n`,
  );
  const bin = a.bin ?? BIN;
  const argv = [...shimNodeArgs(bin), bin, "watch", "--config", config];
  const child = spawn(process.execPath, argv, {
    env: inn.env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  cleanups.push(() => stopChild(child, "SIGTERM", 20_000));
  const log = /** @type {string[]} */ ([]);
  const waiters = /** @type {Set<() => void>} */ (new Set());
  createInterface({ input: /** @type {import("node:stream").Readable} */ (child.stderr) }).on(
    "line",
    (line) => {
      log.push(line);
      if (/newsnotify: (warn|error):/.test(line) && log.length < 2000) say(`newsnotify: ${line}`);
      for (const w of waiters) w();
    },
  );
  const waitLine = (/** @type {RegExp} */ re, /** @type {number} */ from = 0) =>
    new Promise((resolve, reject) => {
      const check = () => {
        if (log.slice(from).some((l) => re.test(l))) {
          waiters.delete(check);
          resolve(undefined);
        }
      };
      waiters.add(check);
      check();
      child.once("exit", (code) =>
        reject(new Error(`newsnotify exited (${code}):\n${log.join("\n")}`)),
      );
    });
  await waitLine(/ready: /);
  const nodePid = /** @type {number} */ (child.pid);
  const bpftrace = () => descendants(nodePid).filter((p) => commOf(p) === "bpftrace");
  say(`newsnotify ready (pid ${nodePid}, bpftrace ${bpftrace().join(",")})`);

  const t0 = nowMs();
  const at = () => Math.round((nowMs() - t0) / 100) / 10;
  /** @type {{t: number, kind: string, detail: string}[]} */
  const events = [];
  const event = (/** @type {string} */ kind, /** @type {string} */ detail) => {
    events.push({ t: at(), kind, detail });
    say(`${kind}: ${detail}`);
  };
  let fedAccepted = 0;
  const accepted = /** @type {Set<string>} */ (new Set());

  /** @type {any[]} */
  const samples = [];
  const sample = () => {
    const nm = memoryMb(nodePid);
    const bp = bpftrace()
      .map((p) => memoryMb(p))
      .filter(Boolean);
    samples.push({
      t: at(),
      nodeRssMb: nm?.rssMb ?? null,
      nodeAnonMb: nm?.anonMb ?? null,
      bpftraceRssMb: bp.reduce((n, m) => n + (m?.rssMb ?? 0), 0) || null,
      fds: fdCount(nodePid),
      stateBytes: dirBytes(stateDir),
      fed: fedAccepted,
      received: rx.got.size,
      receiverUp: rx.up,
    });
  };
  sample();
  const sampler = setInterval(sample, 10_000);
  cleanups.push(() => clearInterval(sampler));

  // The faults, at fixed points of the run: receiver down twice (2 waves each), bpftrace killed once.
  const waves = Math.max(1, Math.round((minutes * 60) / WAVE_S));
  const perWave = Math.ceil(total / waves);
  const down = Math.max(1, Math.round(waves / 15)); // waves the receiver stays down
  const faults = /** @type {[number, string][]} */ ([
    [Math.floor(waves * 0.25), "receiver-down"],
    [Math.floor(waves * 0.25) + down, "receiver-up"],
    [Math.floor(waves * 0.45), "kill-bpftrace"],
    [Math.floor(waves * 0.65), "receiver-down"],
    [Math.floor(waves * 0.65) + down, "receiver-up"],
  ]);
  say(
    `${total} articles in ${waves} waves of ${WAVE_S} s (${perWave} each: ${Math.round(BURST * 100)} % as a burst)`,
  );
  const injectFault = async (/** @type {string} */ fault) => {
    if (fault === "receiver-down") {
      await rx.down();
      event("receiver down", `after ${fedAccepted} articles`);
    } else if (fault === "receiver-up") {
      await rx.upAgain();
      event("receiver up", `after ${fedAccepted} articles`);
    } else if (fault === "kill-bpftrace") {
      const pids = bpftrace();
      const from = log.length;
      for (const p of pids) process.kill(p, "SIGKILL");
      event("bpftrace SIGKILLed", `pid ${pids.join(",")}`);
      await waitLine(/re-attached: /, from);
      event("bpftrace re-attached", log.slice(from).find((l) => /re-attached/.test(l)) ?? "");
    }
  };
  let left = total;
  for (let w = 0; w < waves && left > 0; w++) {
    for (const [, fault] of faults.filter(([at]) => at === w)) await injectFault(fault);
    const n = Math.min(perWave, left);
    left -= n;
    const waveStart = nowMs();
    const burst = Math.round(n * BURST);
    const phase = phaseName(w);
    const r1 = await feed({ port: inn.port, runId, phase: `${phase}b`, count: burst, window: 64 });
    const restMs = WAVE_S * 1000 - (nowMs() - waveStart) - 2000;
    const rate = Math.max(1, ((n - burst) * 1000) / Math.max(1000, restMs));
    const r2 = await feed({ port: inn.port, runId, phase: `${phase}p`, count: n - burst, rate });
    for (const r of [r1, r2]) {
      fedAccepted += r.accepted;
      for (const id of r.ids) accepted.add(id);
      if (r.other.length) say(`innd said: ${r.other.slice(0, 3).join(" | ")}`);
    }
    say(
      `wave ${w + 1}/${waves}: ${r1.accepted}+${r2.accepted} accepted; received ${rx.got.size}/${fedAccepted}; ` +
        `node RSS ${samples.at(-1)?.nodeRssMb?.toFixed(1)} MB`,
    );
    const wait = waveStart + WAVE_S * 1000 - nowMs();
    if (wait > 0) await sleep(wait);
  }
  if (!rx.up) await rx.upAgain();

  // Drain: until every accepted article arrived, or nothing new came for 3 minutes.
  say(`fed ${fedAccepted}; draining`);
  let last = -1;
  let since = nowMs();
  while ([...accepted].some((id) => !rx.got.has(id))) {
    if (rx.got.size !== last) [last, since] = [rx.got.size, nowMs()];
    if (nowMs() - since > 180_000) break;
    await sleep(1000);
  }
  await sleep(5000); // late duplicates
  sample();
  clearInterval(sampler);
  const fdsAtEnd = fdCount(nodePid);
  await stopChild(child, "SIGTERM", 20_000);
  const exit = { code: child.exitCode, signal: child.signalCode };

  const ours = [...rx.got].filter(([id]) => phaseOf(id, runId) !== null);
  const lost = [...accepted].filter((id) => !rx.got.has(id));
  const duplicated = ours.reduce((n, [id, c]) => n + (accepted.has(id) ? c - 1 : 0), 0);
  // RSS after warm-up: the first fifth of the run is warm-up.
  const warm = samples.filter((s) => s.t >= samples.at(-1).t * 0.2 && s.nodeRssMb !== null);
  const rss = warm.map((s) => s.nodeRssMb).sort((x, y) => x - y);
  const mid = percentile(rss, 50) ?? NaN;
  const rssAfterWarmup = {
    medianMb: round(mid),
    minMb: round(rss[0] ?? NaN),
    maxMb: round(rss.at(-1) ?? NaN),
    maxDeviationPct: round(
      100 * Math.max((rss.at(-1) ?? mid) / mid - 1, 1 - (rss[0] ?? mid) / mid),
    ),
  };
  const results = {
    label,
    params: { articles: total, minutes, waveSeconds: WAVE_S, burstShare: BURST, batch: 100 },
    machine: { ...machine, loadAfter: load() },
    durationS: at(),
    fed: { accepted: fedAccepted },
    received: { articles: ours.length, requests: rx.requests() },
    lost: lost.length,
    lostSample: lost.slice(0, 10),
    duplicated,
    rssAfterWarmup,
    rssFlat: rssAfterWarmup.maxDeviationPct <= 15,
    fds: {
      min: Math.min(...samples.map((s) => s.fds ?? Infinity)),
      max: Math.max(...samples.map((s) => s.fds ?? 0)),
      atEnd: fdsAtEnd,
    },
    stateBytes: {
      max: Math.max(...samples.map((s) => s.stateBytes ?? 0)),
      atEnd: samples.at(-1)?.stateBytes ?? null,
    },
    exit,
    events,
    newsnotifyWarnings: log.filter((l) => /newsnotify: (warn|error):/.test(l)).slice(0, 50),
    samples,
  };
  mkdirSync(a.out, { recursive: true });
  writeFileSync(join(a.out, `${label}.json`), `${JSON.stringify(results, null, 1)}\n`);
  writeFileSync(join(a.out, `${label}.md`), markdown(results));
  writeFileSync(join(a.out, `${label}.svg`), soakSvg(results));
  process.stdout.write(markdown(results));
  if (lost.length > 0 || duplicated > 0 || !results.rssFlat) process.exitCode = 1;
}

const round = (/** @type {number} */ x) => Math.round(x * 10) / 10;

/** @param {any} r */
function markdown(r) {
  const ev = r.events.map((/** @type {any} */ e) => `| ${e.t} s | ${e.kind} | ${e.detail} |`);
  return `# newsnotify soak: ${r.label}

${r.params.articles} articles into a private innd in waves of ${r.params.waveSeconds} s (${Math.round(
    r.params.burstShare * 100,
  )} % of each wave as one burst, the rest paced), webhook with batch ≤ ${r.params.batch}; the
receiver went down twice, bpftrace was SIGKILLed once. Run took ${Math.round(r.durationS / 60)} min.

| figure | value |
| --- | --- |
| articles accepted by innd | ${r.fed.accepted} |
| delivered (distinct) | ${r.received.articles} |
| **lost** | **${r.lost}** |
| **duplicated** | **${r.duplicated}** |
| webhook requests | ${r.received.requests} |
| node RSS after warm-up: median / min / max | ${r.rssAfterWarmup.medianMb} / ${r.rssAfterWarmup.minMb} / ${r.rssAfterWarmup.maxMb} MB |
| largest deviation from the median | ${r.rssAfterWarmup.maxDeviationPct} % (${r.rssFlat ? "within" : "**outside**"} ±15 %) |
| node's open file descriptors: min / max / at end | ${r.fds.min} / ${r.fds.max} / ${r.fds.atEnd} |
| state directory: largest / at end | ${r.stateBytes.max} / ${r.stateBytes.atEnd} bytes |
| exit on SIGTERM | ${r.exit.code ?? r.exit.signal} |
| machine | ${r.machine.cpus ?? ""} CPUs, load ${JSON.stringify(r.machine.loadBefore)} → ${JSON.stringify(r.machine.loadAfter)} |

| at | event | detail |
| --- | --- | --- |
${ev.join("\n")}

Plot: ${r.label}.svg (node and bpftrace RSS, open fds, state size, articles fed and received).
`;
}

try {
  await main();
} catch (e) {
  say(`failed: ${e instanceof Error ? e.stack : e}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
