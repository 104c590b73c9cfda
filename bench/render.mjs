#!/usr/bin/env node
// @ts-check
/**
 * Re-renders the Markdown table and the CDF plot from a results JSON (after a change to the report's
 * format, no need to run the benchmark again).
 *
 * USAGE: node bench/render.mjs bench/results/burst-10000.json   → burst-10000.md and .svg beside it
 */
import { readFileSync, writeFileSync } from "node:fs";
import { markdownReport } from "./lib/report.mjs";
import { cdfSvg } from "./lib/svg.mjs";

for (const file of process.argv.slice(2)) {
  const results = JSON.parse(readFileSync(file, "utf8"));
  const base = file.replace(/\.json$/, "");
  writeFileSync(`${base}.md`, markdownReport(results));
  writeFileSync(`${base}.svg`, cdfSvg(results));
}
