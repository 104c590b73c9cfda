#!/usr/bin/env node
// @ts-check
/**
 * Re-renders the Markdown report and the CDF plot from a results JSON (after a change to the
 * report's format, no need to run the benchmark again), or prints one README-ready table with a
 * row per results file.
 *
 * USAGE: node bench/render.mjs bench/results/burst-10000.json   → burst-10000.md and .svg beside it
 *        node bench/render.mjs --table bench/results/{paced-100-2000,burst-10000}.json  → stdout
 */
import { readFileSync, writeFileSync } from "node:fs";
import { busyTable, markdownReport, multiRunReport, readmeTable } from "./lib/report.mjs";
import { cdfSvg } from "./lib/svg.mjs";

const args = process.argv.slice(2);
const table = args[0] === "--table";
const files = table ? args.slice(1) : args;
const all = files.map((file) => JSON.parse(readFileSync(file, "utf8")));
if (table) {
  const multi = all.filter((r) => r.version >= 2 && r.summary);
  if (multi.length < all.length)
    process.stderr.write("render: skipped single-run (version 1) files\n");
  // The busy feed has its own columns (CPU beside innd's, wanted/unwanted): its own table.
  const busy = multi.filter((r) => r.params.feed === "busy");
  const rest = multi.filter((r) => r.params.feed !== "busy");
  if (rest.length) process.stdout.write(readmeTable(rest));
  if (busy.length) process.stdout.write(`${rest.length ? "\n" : ""}${busyTable(busy)}`);
} else {
  files.forEach((file, i) => {
    const r = all[i];
    const base = file.replace(/\.json$/, "");
    if (r.summary) {
      writeFileSync(`${base}.md`, multiRunReport(r));
      writeFileSync(`${base}.svg`, cdfSvg(r.runs[r.medianRun - 1], r.medianRun, r.runs.length));
    } else {
      writeFileSync(`${base}.md`, markdownReport(r));
      writeFileSync(`${base}.svg`, cdfSvg(r));
    }
  });
}
