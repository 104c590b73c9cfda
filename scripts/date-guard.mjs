#!/usr/bin/env node
// @ts-check
/**
 * date-guard — runs the end-to-end suite as it will run N days from now: every date written into
 * the tree (tests, fixtures, bench) is moved N days into the past in a throwaway copy of the
 * checkout, then `vitest run --project e2e` runs there. A test that posts a fixed date to innd
 * (which refuses articles older than its artcutoff, 10 days by default) fails here today instead of
 * in CI a week later. test/unit/aging.test.ts is the cheap check that runs on every CI run; this is
 * the proof by running.
 *
 * USAGE: sudo node scripts/date-guard.mjs [--days N] [-- VITEST_ARGS...]
 *        (N defaults to 30; VITEST_ARGS e.g. test/e2e/watch.test.ts; as root, like the e2e suite)
 * Prints how many dates it moved in which files, then vitest's output; exits with vitest's code.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const DAY_MS = 86_400_000;

// The date part of an RFC 5322 date ("Tue, 24 Nov" and a year, weekday optional); the time is kept.
const RFC5322 = new RegExp(
  `\\b(?:(${DAYS.join("|")}),\\s*)?(\\d{1,2}) (${MONTHS.join("|")}) ((?:19|20)\\d\\d)\\b`,
  "g",
);
// "2026-11-24T21:00:00" (ISO 8601 date and time): the date part moves, the time is kept.
const ISO = /\b((?:19|20)\d\d)-([01]\d)-([0-3]\d)(?=T\d\d:\d\d)/g;

/**
 * The text with every RFC 5322 and ISO 8601 date moved `days` days (negative: into the past).
 * @param {string} text @param {number} days @returns {{ text: string, moved: number }}
 */
export function shiftDates(text, days) {
  let moved = 0;
  const shift = (/** @type {number} */ y, /** @type {number} */ m, /** @type {number} */ d) => {
    moved++;
    return new Date(Date.UTC(y, m, d) + days * DAY_MS);
  };
  const out = text
    .replace(RFC5322, (_all, weekday, d, mon, y) => {
      const t = shift(Number(y), MONTHS.indexOf(mon), Number(d));
      const date = `${t.getUTCDate()} ${MONTHS[t.getUTCMonth()]} ${t.getUTCFullYear()}`;
      return weekday ? `${DAYS[t.getUTCDay()]}, ${date}` : date;
    })
    .replace(ISO, (_all, y, m, d) =>
      shift(Number(y), Number(m) - 1, Number(d))
        .toISOString()
        .slice(0, 10),
    );
  return { text: out, moved };
}

/** Where dates are written into what the tests post or expect. */
const AGED = /^(?:test|fixtures|bench)\//;

function main() {
  const args = process.argv.slice(2);
  let days = 30;
  const sep = args.indexOf("--");
  const own = sep < 0 ? args : args.slice(0, sep);
  const vitestArgs = sep < 0 ? [] : args.slice(sep + 1);
  for (let i = 0; i < own.length; i++) {
    if (own[i] === "--days" && /^\d+$/.test(own[i + 1] ?? "")) days = Number(own[++i]);
    else {
      console.error(
        `date-guard: unknown argument ${own[i]} (see the header of ${process.argv[1]})`,
      );
      process.exit(2);
    }
  }
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  const files = execFileSync(
    "git",
    ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    {
      cwd: root,
      encoding: "utf8",
    },
  )
    .split("\0")
    .filter((f) => f !== "" && !f.startsWith("bench/results/"));
  // Other users (nobody, an unprivileged sudoer) run newsnotify from the copy in some tests.
  const copy = mkdtempSync(join(tmpdir(), "newsnotify-date-guard-"));
  chmodSync(copy, 0o755);
  let status = 1;
  try {
    const changed = [];
    for (const f of files) {
      let bytes;
      try {
        bytes = readFileSync(join(root, f));
      } catch {
        continue; // deleted in the work tree but not yet in the index
      }
      mkdirSync(dirname(join(copy, f)), { recursive: true });
      let out = bytes;
      if (AGED.test(f)) {
        // latin1 keeps every byte as it is (fixtures hold raw 8-bit headers); dates are ASCII.
        const r = shiftDates(bytes.toString("latin1"), -days);
        if (r.moved > 0) {
          out = Buffer.from(r.text, "latin1");
          changed.push(`${f} (${r.moved})`);
        }
      }
      writeFileSync(join(copy, f), out);
      chmodSync(join(copy, f), statSync(join(root, f)).mode & 0o7777);
    }
    console.log(`date-guard: ${days} days on: moved dates in ${changed.length} files`);
    for (const c of changed) console.log(`  ${c}`);
    symlinkSync(join(root, "node_modules"), join(copy, "node_modules"));
    const build = spawnSync("npx", ["tsc", "-p", "tsconfig.build.json"], {
      cwd: copy,
      stdio: "inherit",
    });
    if (build.status !== 0) throw new Error("build of the copy failed");
    // The copy has no git history: the .deb's maintainer and file times come from this checkout's.
    const git = (/** @type {string} */ format) =>
      execFileSync("git", ["log", "-1", `--format=${format}`], {
        cwd: root,
        encoding: "utf8",
      }).trim();
    const env = {
      ...process.env,
      NEWSNOTIFY_MAINTAINER: process.env.NEWSNOTIFY_MAINTAINER ?? git("%an <%ae>"),
      SOURCE_DATE_EPOCH: process.env.SOURCE_DATE_EPOCH ?? git("%ct"),
    };
    const run = spawnSync("npx", ["vitest", "run", "--project", "e2e", ...vitestArgs], {
      cwd: copy,
      stdio: "inherit",
      env,
    });
    status = run.status ?? 1;
    console.log(`date-guard: the e2e suite ${days} days on ${status === 0 ? "passed" : "FAILED"}`);
  } finally {
    const mounted =
      spawnSync("findmnt", ["-rn", "-o", "TARGET"], { encoding: "utf8" }).stdout ?? "";
    if (mounted.split("\n").some((m) => m === copy || m.startsWith(`${copy}/`)))
      console.error(`date-guard: something is mounted under ${copy}: left in place`);
    else rmSync(copy, { recursive: true, force: true });
  }
  process.exit(status);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
