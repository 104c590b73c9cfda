#!/usr/bin/env node
// @ts-check
/**
 * What each module costs in node's resident memory: for each set below, a fresh node (with the
 * shim's flags) imports it and reads VmRSS and RssAnon from /proc/self/status; the median of
 * `--runs`. The floor of issue 22's "start small" (node alone, then the libraries watch loads at
 * start), and what newsnotify's own modules add on top. Compare with `bench/ready-rss.mjs` (watch
 * itself once ready). No root needed; run `npm run build` first (dist/).
 *
 * USAGE: node bench/module-rss.mjs [--runs 3] [--dist PATH]
 */
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { parseArgs } from "node:util";

const { values: a } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    dist: { type: "string", default: new URL("../dist", import.meta.url).pathname },
  },
});
const dist = (/** @type {string} */ m) => `file://${resolve(a.dist, m)}`;
const LIBS = ["zod", "commander", "yaml"];

/** Name → modules imported together, in order. */
const SETS = /** @type {[string, string[]][]} */ ([
  ["node alone", []],
  ["zod", ["zod"]],
  ["commander", ["commander"]],
  ["yaml", ["yaml"]],
  ["execa (no longer loaded by watch)", ["execa"]],
  [`libraries watch loads at start (${LIBS.join(", ")})`, LIBS],
  ["  + execa", [...LIBS, "execa"]],
  ["  + the notifiers' shared schema parts", [...LIBS, dist("notify/schema-parts.js")]],
  ["  + the webhook notifier alone", [...LIBS, dist("notify/webhook.js")]],
  ["  + the notifier registry (all 14)", [...LIBS, dist("notify/registry.js")]],
  ["  + the config schema", [...LIBS, dist("config/schema.js")]],
  ["the whole CLI (dist/cli.js)", [dist("cli.js")]],
]);

const probe = `
const mods = JSON.parse(process.argv[1]);
for (const m of mods) await import(m);
await new Promise((r) => setTimeout(r, 300));
const s = (await import("node:fs")).readFileSync("/proc/self/status", "utf8");
const kb = (k) => Number(new RegExp("^" + k + ":\\\\s+(\\\\d+)", "m").exec(s)[1]);
process.stdout.write(JSON.stringify({ rss: kb("VmRSS") / 1024, anon: kb("RssAnon") / 1024 }));
`;

const median = (/** @type {number[]} */ xs) =>
  /** @type {number} */ ([...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]);
process.stdout.write(
  `node ${process.version}, ${a.runs} runs each, MB: median RSS (private RssAnon)\n`,
);
for (const [name, mods] of SETS) {
  const runs = [];
  for (let i = 0; i < Number(a.runs); i++) {
    const out = execFileSync(
      process.execPath,
      ["--max-semi-space-size=2", "--input-type=module", "-e", probe, JSON.stringify(mods)],
      { cwd: new URL("..", import.meta.url).pathname, encoding: "utf8" },
    );
    runs.push(JSON.parse(out));
  }
  const rss = median(runs.map((r) => r.rss));
  const anon = median(runs.map((r) => r.anon));
  process.stdout.write(`${name.padEnd(58)} ${rss.toFixed(1).padStart(6)} (${anon.toFixed(1)})\n`);
}
