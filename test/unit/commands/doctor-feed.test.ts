import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type FeedInfo, feedChecks } from "../../../src/commands/doctor-feed.js";
import type { Setup } from "../../../src/flow/setup.js";

function setupWith(newsfeeds: string | null): Setup {
  const etc = mkdtempSync(join(tmpdir(), "nn-doctor-feed-"));
  if (newsfeeds !== null) writeFileSync(join(etc, "newsfeeds"), newsfeeds);
  return { inn: { etc, bin: "/nonexistent" } } as unknown as Setup;
}

const active: FeedInfo = async () => ({
  ok: true,
  text: "newsnotify!: channel pid=42 fd=19, in mem 0",
});
const absent: FeedInfo = async () => ({ ok: true, text: "no such site" });

describe("doctor's feed checks", () => {
  it("no entry: says how to add one, and that is no problem", async () => {
    const problems: string[] = [];
    const lines = await feedChecks(setupWith("ME:!*/!local::\n"), problems, active);
    expect(lines).toEqual([
      ["feed entry", expect.stringContaining("newsnotify!:*:Tc,Wnm:/usr/bin/newsnotify feed")],
    ]);
    expect(problems).toEqual([]);
  });

  it("an active entry: its groups (ME's first) and innd's word", async () => {
    const problems: string[] = [];
    const lines = await feedChecks(
      setupWith("ME:!*/!local::\nnewsnotify!:local.*:Tc,Wnm:/usr/bin/newsnotify feed\n"),
      problems,
      active,
    );
    expect(Object.fromEntries(lines)).toEqual({
      "feed newsnotify!": "/usr/bin/newsnotify feed (flags Tc,Wnm)",
      "feed newsnotify! groups": "!*,local.*",
      "feed newsnotify! in innd": "active: newsnotify!: channel pid=42 fd=19, in mem 0",
    });
    expect(problems).toEqual([]);
  });

  it("an entry innd does not run yet, with the wrong W flags: two problems", async () => {
    const problems: string[] = [];
    await feedChecks(setupWith("newsnotify!:*:Tc,Wn:/usr/bin/newsnotify feed\n"), problems, absent);
    expect(problems).toEqual([
      expect.stringContaining("has flags Tc,Wn"),
      expect.stringContaining("ctlinnd reload newsfeeds"),
    ]);
  });

  it("innd not answering: unknown, not a problem of the entry", async () => {
    const problems: string[] = [];
    const lines = await feedChecks(
      setupWith("newsnotify!:*:Tc,Wnm:/usr/bin/newsnotify feed\n"),
      problems,
      async () => ({ ok: false, why: "ctlinnd feedinfo: innd is not running" }),
    );
    expect(Object.fromEntries(lines)["feed newsnotify! in innd"]).toMatch(/^unknown/);
    expect(problems).toEqual([]);
  });

  it("no newsfeeds file: says so", async () => {
    const lines = await feedChecks(setupWith(null), [], active);
    expect(lines[0]?.[1]).toMatch(/not readable/);
  });
});
