import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { summarize, type VitestReport } from "../../../scripts/vitest-summary.mjs";

const captured = JSON.parse(
  readFileSync(new URL("../../../fixtures/vitest/failed-suites.json", import.meta.url), "utf8"),
) as VitestReport;

const suite = (status: string, tests: string[], message = "") => ({
  name: "/x.test.ts",
  status,
  message,
  assertionResults: tests.map((s) => ({ status: s })),
});

describe("the closing line of scripts/test.sh", () => {
  it("counts suites that failed as a whole (a real report: beforeAll threw, an import failed)", () => {
    const s = summarize(captured);
    // 1 failed test (mixed) + the beforeAll suite + the import-error suite.
    expect(s.line).toBe("vitest: 2 passed, 3 failed, 2 skipped");
    expect(s.ok).toBe(false);
    expect(s.notes).toEqual([
      expect.stringMatching(/^failed as a whole: \/suite\/before-all\.test\.ts \(inews failed/),
      expect.stringMatching(/^failed as a whole: \/suite\/import-error\.test\.ts \(Cannot find/),
    ]);
  });

  it.each<[string, VitestReport, string, boolean]>([
    [
      "all green",
      { numPassedTests: 3, numFailedTests: 0, testResults: [suite("passed", ["passed"])] },
      "vitest: 3 passed, 0 failed",
      true,
    ],
    [
      "a failed test is counted once, not again for its suite",
      {
        numPassedTests: 1,
        numFailedTests: 1,
        testResults: [suite("failed", ["passed", "failed"])],
      },
      "vitest: 1 passed, 1 failed",
      false,
    ],
    [
      "a suite whose beforeAll threw: its tests skipped, one failure",
      {
        numPassedTests: 5,
        numFailedTests: 0,
        numPendingTests: 9,
        testResults: [suite("failed", Array(9).fill("skipped"), "inews failed")],
      },
      "vitest: 5 passed, 1 failed, 9 skipped",
      false,
    ],
    [
      "a skipped test alone fails the run",
      { numPassedTests: 1, numFailedTests: 0, numPendingTests: 1, testResults: [] },
      "vitest: 1 passed, 0 failed, 1 skipped",
      false,
    ],
    ["an empty report", {}, "vitest: 0 passed, 0 failed", true],
  ])("%s", (_name, report, line, ok) => {
    const s = summarize(report);
    expect(s.line).toBe(line);
    expect(s.ok).toBe(ok);
  });
});
