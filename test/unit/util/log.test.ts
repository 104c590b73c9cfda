import { describe, expect, it } from "vitest";
import { isJournalStream, type LogLevel, linePrefix } from "../../../src/util/log.js";

const NOW = new Date("2026-12-07T10:00:00.000Z");

describe("log lines under journald and elsewhere", () => {
  it.each<[LogLevel, boolean, string]>([
    ["error", true, "<3>newsnotify: error: "],
    ["warn", true, "<4>newsnotify: warn: "],
    ["info", true, "<6>newsnotify: "],
    ["error", false, "2026-12-07T10:00:00.000Z newsnotify: error: "],
    ["info", false, "2026-12-07T10:00:00.000Z newsnotify: "],
  ])("%s, journal %s", (level, journal, prefix) => {
    expect(linePrefix(level, journal, NOW)).toBe(prefix);
  });

  const stderrIs = (dev: number, ino: number) => () => ({ dev, ino });
  it.each<[string, string | undefined, () => { dev: number; ino: number } | undefined, boolean]>([
    ["stderr is the journal's stream", "8:12345", stderrIs(8, 12345), true],
    ["inherited, stderr redirected to a file", "8:12345", stderrIs(8, 99), false],
    ["another device", "8:12345", stderrIs(9, 12345), false],
    ["no JOURNAL_STREAM", undefined, stderrIs(8, 12345), false],
    ["malformed", "8-12345", stderrIs(8, 12345), false],
    ["stderr closed", "8:12345", () => undefined, false],
  ])("JOURNAL_STREAM: %s", (_name, value, stat, expected) => {
    expect(isJournalStream(value, stat)).toBe(expected);
  });
});
