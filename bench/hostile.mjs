#!/usr/bin/env node
// @ts-check
/**
 * How long parseArticle (built JS in dist/) takes on each article of the hostile corpus
 * (fixtures/hostile/corpus.mjs), each in a fresh child process with a wall-clock limit, so that a
 * quadratic or memory-hungry parse is reported as such instead of hanging the bench. Prints wall
 * ms, CPU ms (all threads: GC included) and the child's peak RSS per article. No root needed.
 *
 * USAGE: node bench/hostile.mjs [--dist PATH] [--timeout-s 30] [--only REGEX] [--bytes N] [--repeat N]
 *   --repeat N  parse each N times in its child and print the median (the first parse, cold, is
 *               printed alone when N is 1, the default)
 *   --bytes N   cut each article to its first N bytes (to see how the time grows with size)
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { hostileArticles } from "../fixtures/hostile/corpus.mjs";

const { values: a } = parseArgs({
  options: {
    dist: { type: "string", default: new URL("../dist", import.meta.url).pathname },
    "timeout-s": { type: "string", default: "30" },
    only: { type: "string" },
    bytes: { type: "string" },
    repeat: { type: "string", default: "1" },
  },
});

const child = `
const { readFileSync } = require("node:fs");
import(process.argv[1]).then(({ parseArticle }) => {
  const raw = readFileSync(process.argv[2]);
  const runs = [];
  let art;
  for (let i = 0; i < Number(process.argv[3]); i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    art = parseArticle(raw, { path: null, group: "local.test", number: 1 });
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    runs.push({ ms, cpuMs: (c.user + c.system) / 1000 });
  }
  const { ms, cpuMs } = runs.sort((a, b) => a.cpuMs - b.cpuMs)[Math.floor(runs.length / 2)];
  console.log(JSON.stringify({ ms, cpuMs, rssMb: process.resourceUsage().maxRSS / 1024, snippet: art.snippet.length, subject: art.subject.length }));
});`;

const dir = mkdtempSync(join(tmpdir(), "newsnotify-hostile-"));
try {
  const parse = pathToFileURL(join(a.dist, "article/parse.js")).href;
  console.log(
    `${"article".padEnd(20)} ${"bytes".padStart(9)} ${"parse ms".padStart(10)} ${"CPU ms".padStart(10)} ${"peak RSS MB".padStart(12)}`,
  );
  for (const h of hostileArticles("bench")) {
    if (a.only && !new RegExp(a.only).test(h.name)) continue;
    const raw = a.bytes ? h.raw.subarray(0, Number(a.bytes)) : h.raw;
    const file = join(dir, h.name);
    writeFileSync(file, raw);
    const result = await run(parse, file, Number(a["timeout-s"]) * 1000, a.repeat);
    console.log(`${h.name.padEnd(20)} ${String(raw.length).padStart(9)} ${result}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** @param {string} parse @param {string} file @param {number} timeoutMs @param {string} repeat @returns {Promise<string>} */
function run(parse, file, timeoutMs, repeat) {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ["-e", child, parse, file, repeat], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.on("close", (code, signal) => {
      clearTimeout(timer);
      if (signal === "SIGKILL")
        return resolve(`${`> ${timeoutMs}`.padStart(10)}  (killed at the limit)`);
      if (code !== 0)
        return resolve(
          `failed (exit ${code}): ${err.split("\n").find((l) => /Error/.test(l)) ?? err.slice(-200)}`,
        );
      const r = JSON.parse(out);
      resolve(
        `${r.ms.toFixed(1).padStart(10)} ${r.cpuMs.toFixed(1).padStart(10)} ${r.rssMb.toFixed(0).padStart(12)}`,
      );
    });
  });
}
