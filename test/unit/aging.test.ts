/**
 * Nothing that the end-to-end tests, the VM guests or the benchmark post to innd may carry a date
 * written into the tree: innd refuses an article whose Date is older than its artcutoff (10 days by
 * default), so such a test passes the week it is written and fails every run after (CI went red on
 * 2026-12-04 that way, with no change to the code). Unit tests are out of scope: they inject the
 * clock and never post. scripts/date-guard.mjs runs the e2e suite with every date in the tree aged.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { requireDatedNow } from "../helpers/inn.js";

const ROOT = join(import.meta.dirname, "../..");
/** Where articles for innd are written: e2e tests, their helpers, the VM guests, bench, scripts. */
const SCANNED = ["test/e2e", "test/helpers", "test/vm", "bench", "scripts", "packaging", "contrib"];
const SKIPPED = new Set(["bench/results", "test/vm/.cache", "node_modules"]);
const CODE = /\.(?:ts|mjs|js|sh|bt)$/;

const MONTH = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
/** A header innd or a reader dates the article by, with a literal value (not `${...}` or `$(...)`). */
const DATED_HEADER =
  /(?:^|\\n|\n)\s*(Date|Expires|Injection-Date|NNTP-Posting-Date):[ \t]*(?![$`])\S/;
/** An RFC 5322 date with a year: "24 Nov 2026", "Tue, 24 Nov 2026 21:00:00". */
const RFC5322_DATE = new RegExp(`\\b\\d{1,2} ${MONTH} (?:19|20)\\d\\d\\b`);

function codeFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (SKIPPED.has(path) || e.name === "node_modules") return [];
    if (e.isDirectory()) return codeFiles(path);
    return CODE.test(e.name) ? [path] : [];
  });
}

/** `file:line: text` for each line that dates an article with a literal. */
function agingLines(file: string, text: string): string[] {
  return text
    .split("\n")
    .flatMap((line, i) =>
      DATED_HEADER.test(line) || RFC5322_DATE.test(line)
        ? [`${file}:${i + 1}: ${line.trim()}`]
        : [],
    );
}

describe("no date written into what is posted to innd", () => {
  it.each<[string, string, boolean]>([
    [
      "the line that turned CI red",
      '"Subject: Plain hello\\nDate: Tue, 24 Nov 2026 21:00:00 +0000",',
      true,
    ],
    ["a header block in a heredoc", "Date: Mon, 7 Dec 2026 10:00:00 +0000", true],
    ["Expires with a literal", "Expires: 1 Jan 2027 00:00 GMT", true],
    ["a date in running text", "posted on 24 Nov 2026 by hand", true],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a test, as written
    ["dated at post time (template)", "`Date: ${new Date().toUTCString()}`", false],
    ["dated at post time (shell)", "Date: $(date -R)", false],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a test, as written
    ["no date at all (inews adds one)", "Subject: hi\\nMessage-ID: ${id}", false],
    ["a Slack date token in a body", "{{DATE(2017-02-14T06:00:00Z)}}", false],
  ])("the check itself: %s", (_name, line, flagged) => {
    expect(agingLines("f", line).length > 0).toBe(flagged);
  });

  it("finds none in the tree", () => {
    const files = SCANNED.flatMap(codeFiles);
    expect(files.length).toBeGreaterThan(50);
    const found = files.flatMap((f) =>
      agingLines(relative(ROOT, join(ROOT, f)), readFileSync(join(ROOT, f), "utf8")),
    );
    expect(found).toEqual([]);
  });
});

describe("post() refuses an article not dated today", () => {
  const NOW = Date.parse("2026-12-07T10:00:00Z");
  it.each<[string, string, boolean]>([
    ["no Date: inews adds one", "From: a@b\nSubject: s\n\nbody\n", true],
    ["dated now", "Date: Mon, 07 Dec 2026 10:00:00 +0000\nSubject: s\n\nbody\n", true],
    [
      "dated 13 days ago (what turned CI red)",
      "Date: Tue, 24 Nov 2026 21:00:00 +0000\n\nb\n",
      false,
    ],
    ["dated next week", "Date: Mon, 14 Dec 2026 10:00:00 +0000\n\nb\n", false],
    ["an unparsable Date", "Date: sometime\n\nb\n", false],
    ["a Date line in the body is not a header", "Subject: s\n\nDate: 1 Jan 1990 00:00 GMT\n", true],
  ])("%s", (_name, article, ok) => {
    const f = () => requireDatedNow(article, NOW);
    if (ok) expect(f).not.toThrow();
    else expect(f).toThrow(/not today's date/);
  });
});
