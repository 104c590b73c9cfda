// @ts-check
/**
 * vitest-summary — the one closing line of scripts/test.sh, from vitest's JSON report.
 *
 * USAGE: node scripts/vitest-summary.mjs REPORT.json
 * Prints `vitest: N passed, M failed[, K skipped]` and exits 1 when anything failed or was skipped.
 *
 * A suite that fails as a whole (its beforeAll threw, or the file did not import) fails no single
 * test: vitest counts its tests as skipped, or has none to count. Each such suite counts here as one
 * failure, so the closing line never says `0 failed` for a red run.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * @param {import("./vitest-summary.d.mts").VitestReport} report
 * @returns {import("./vitest-summary.d.mts").Summary}
 */
export function summarize(report) {
  const suites = report.testResults ?? [];
  // Failed suites in which no single test failed: the failure is the suite's own.
  const brokenSuites = suites.filter(
    (s) => s.status === "failed" && !(s.assertionResults ?? []).some((a) => a.status === "failed"),
  );
  const passed = report.numPassedTests ?? 0;
  const failed = (report.numFailedTests ?? 0) + brokenSuites.length;
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  const line = `vitest: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`;
  const notes = brokenSuites.map(
    (s) => `failed as a whole: ${s.name}${s.message ? ` (${firstLine(s.message)})` : ""}`,
  );
  return { line, notes, passed, failed, skipped, ok: failed === 0 && skipped === 0 };
}

/** @param {string} text */
function firstLine(text) {
  return text.split("\n", 1)[0]?.trim() ?? "";
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const path = process.argv[2];
  if (!path) {
    console.error("usage: node scripts/vitest-summary.mjs REPORT.json");
    process.exit(2);
  }
  let report;
  try {
    report = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    // No report at all (vitest crashed before writing it) is a failure, said as one.
    console.log("vitest: 0 passed, 1 failed");
    console.error(`no readable vitest report at ${path}: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  }
  const s = summarize(report);
  for (const n of s.notes) console.error(n);
  console.log(s.line);
  process.exit(s.ok ? 0 : 1);
}
