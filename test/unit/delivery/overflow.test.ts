/** maxBacklog's pure core: which entries a cap drops and what the episode's one summary says. */
import { describe, expect, it } from "vitest";
import {
  isSummaryId,
  type OverflowInput,
  parseSummaryId,
  planOverflow,
  summaryArticle,
  summaryId,
} from "../../../src/delivery/overflow.js";

const p = (n: number) => ({ id: `<${n}@x>`, since: 1000 + n });
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => p(from + i));
const E = "0123abcd";
const S = (dropped: number, since: number) => summaryId("t", { dropped, since, episode: E });
/** The episode name a first drop of `id` gives. */
const first = (id: string) =>
  planOverflow({ cap: 0, count: 1, oldest: [{ id, since: 0 }], summaries: [] })?.episode ?? "";

describe("planOverflow", () => {
  const cases: [string, OverflowInput, ReturnType<typeof planOverflow>][] = [
    ["within the cap: nothing", { cap: 5, count: 5, oldest: range(1, 5), summaries: [] }, null],
    ["empty", { cap: 1, count: 0, oldest: [], summaries: [] }, null],
    [
      "one over: the oldest",
      { cap: 5, count: 6, oldest: range(1, 6), summaries: [] },
      { drop: ["<1@x>"], supersede: [], dropped: 1, since: 1001, episode: first("<1@x>") },
    ],
    [
      "seven over a cap of 5 at once: the 7 oldest",
      { cap: 5, count: 12, oldest: range(1, 12), summaries: [] },
      {
        drop: range(1, 7).map((e) => e.id),
        supersede: [],
        dropped: 7,
        since: 1001,
        episode: first("<1@x>"),
      },
    ],
    [
      "only the oldest `count - cap` need be given",
      { cap: 3, count: 5, oldest: range(4, 5), summaries: [] },
      { drop: ["<4@x>", "<5@x>"], supersede: [], dropped: 2, since: 1004, episode: first("<4@x>") },
    ],
    [
      "an unclaimed summary of this episode is replaced by one counting both",
      { cap: 5, count: 6, oldest: range(7, 12), summaries: [S(6, 1001)] },
      { drop: ["<7@x>"], supersede: [S(6, 1001)], dropped: 7, since: 1001, episode: E },
    ],
    [
      "within the cap: the pending summary stays as it is",
      { cap: 5, count: 5, oldest: range(8, 12), summaries: [S(7, 1001)] },
      null,
    ],
    [
      "an id that is not a summary's is not counted",
      { cap: 1, count: 2, oldest: range(1, 2), summaries: ["<other@x>"] },
      { drop: ["<1@x>"], supersede: [], dropped: 1, since: 1001, episode: first("<1@x>") },
    ],
  ];
  it.each(cases)("%s", (_name, input, expected) => {
    expect(planOverflow(input)).toEqual(expected);
  });
});

describe("the summary", () => {
  it("its Message-ID carries the count, start and episode, per target; nothing else matches", () => {
    const plan = { dropped: 7, since: 1_765_000_000_000, episode: E };
    const id = summaryId("ab12#2", plan);
    expect(id).toBe("<dropped.7.1765000000000.0123abcd.ab12-2@maxbacklog.newsnotify.invalid>");
    expect(parseSummaryId(id)).toEqual(plan);
    expect(summaryId("u", plan)).not.toBe(summaryId("t", plan));
    // Two episodes in the same millisecond with the same count still differ.
    expect(first("<1@x>")).not.toBe(first("<2@x>"));
    for (const other of [
      "<dropped.7.1.0123abcd.t@example.net>",
      "<x@maxbacklog.newsnotify.invalid>",
      "<dropped.7.1.t@maxbacklog.newsnotify.invalid>",
      "<dropped.7.1.0123abcd.t@maxbacklog.newsnotify.invalid> ",
    ])
      expect(isSummaryId(other)).toBe(false);
  });

  it("says how many and since when, is a notice, and carries no article's content", () => {
    const plan = { dropped: 7, since: Date.UTC(2026, 11, 7, 16, 0), episode: E };
    const a = summaryArticle("t", plan, 5);
    expect(a.notice).toBe(true);
    expect(a.messageId).toBe(summaryId("t", plan));
    expect(a.subject).toBe(
      "newsnotify: 7 notification(s) dropped since 2026-12-07T16:00:00.000Z (maxBacklog 5)",
    );
    expect(a.snippet).toContain("the oldest 7 notification(s)");
    expect(a.snippet).toContain("the 5 newest kept");
    expect(a.newsgroups).toEqual([]);
    expect(a.path).toBeNull();
  });
});
