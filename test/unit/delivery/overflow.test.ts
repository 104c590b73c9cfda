/** maxBacklog's pure core: which entries a cap drops and what the episode's one summary says. */
import { describe, expect, it } from "vitest";
import {
  isSummaryId,
  type OverflowInput,
  type OverflowPlan,
  planOverflow,
  summaryArticle,
  summaryId,
} from "../../../src/delivery/overflow.js";

const p = (n: number) => ({ id: `<${n}@x>`, since: 1000 + n });
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => p(from + i));
const ids = (from: number, to: number) => range(from, to).map((e) => e.id);
const EARLIER = { id: summaryId("t", "<1@x>"), notice: { dropped: 6, since: 1001 } };

describe("planOverflow", () => {
  const cases: [string, OverflowInput, OverflowPlan | null][] = [
    ["within the cap: nothing", { cap: 5, count: 5, oldest: range(1, 5), summary: null }, null],
    ["empty", { cap: 1, count: 0, oldest: [], summary: null }, null],
    [
      "one over: the oldest, and a new summary",
      { cap: 5, count: 6, oldest: range(1, 6), summary: null },
      {
        drop: ["<1@x>"],
        dropped: 1,
        since: 1001,
        summaryId: summaryId("t", "<1@x>"),
        rewrite: false,
      },
    ],
    [
      "seven over a cap of 5 at once: the 7 oldest",
      { cap: 5, count: 12, oldest: range(1, 12), summary: null },
      {
        drop: ids(1, 7),
        dropped: 7,
        since: 1001,
        summaryId: summaryId("t", "<1@x>"),
        rewrite: false,
      },
    ],
    [
      "only the oldest `count - cap` need be given",
      { cap: 3, count: 5, oldest: range(4, 5), summary: null },
      {
        drop: ids(4, 5),
        dropped: 2,
        since: 1004,
        summaryId: summaryId("t", "<4@x>"),
        rewrite: false,
      },
    ],
    [
      "a pending summary (claimed or not) is this episode's: rewritten to count both",
      { cap: 5, count: 6, oldest: range(7, 12), summary: EARLIER },
      { drop: ["<7@x>"], dropped: 7, since: 1001, summaryId: EARLIER.id, rewrite: true },
    ],
    [
      "within the cap: the pending summary stays as it is",
      { cap: 5, count: 5, oldest: range(8, 12), summary: EARLIER },
      null,
    ],
  ];
  it.each(cases)("%s", (_name, input, expected) => {
    expect(planOverflow("t", input)).toEqual(expected);
  });
});

describe("the summary", () => {
  it("one Message-ID per target and episode (its first dropped article); nothing else matches", () => {
    const id = summaryId("ab12#2", "<1@x>");
    expect(id).toMatch(/^<dropped\.[0-9a-f]{12}\.ab12-2@maxbacklog\.newsnotify\.invalid>$/);
    expect(isSummaryId(id)).toBe(true);
    expect(summaryId("u", "<1@x>")).not.toBe(summaryId("t", "<1@x>"));
    expect(summaryId("t", "<2@x>")).not.toBe(summaryId("t", "<1@x>"));
    for (const other of [
      "<dropped.0123456789ab.t@example.net>",
      "<x@maxbacklog.newsnotify.invalid>",
      `${id} `,
    ])
      expect(isSummaryId(other)).toBe(false);
  });

  it("says how many and since when, is a notice, and carries no article's content", () => {
    const plan = planOverflow("t", {
      cap: 5,
      count: 12,
      oldest: [
        { id: "<secret@x>", since: Date.UTC(2026, 11, 7, 16, 0) },
        ...range(2, 7).map((e) => ({ ...e, since: Date.UTC(2026, 11, 7, 17, 0) })),
      ],
      summary: null,
    }) as OverflowPlan;
    const a = summaryArticle(plan, 5);
    expect(a.notice).toEqual({ dropped: 7, since: Date.UTC(2026, 11, 7, 16, 0) });
    expect(a.messageId).toBe(plan.summaryId);
    expect(a.subject).toBe(
      "newsnotify: 7 notification(s) dropped since 2026-12-07T16:00:00.000Z (maxBacklog 5)",
    );
    expect(a.snippet).toContain("the oldest 7 notification(s)");
    expect(a.snippet).toContain("the 5 newest kept");
    expect(JSON.stringify(a)).not.toContain("secret");
    expect(a.newsgroups).toEqual([]);
    expect(a.path).toBeNull();
  });
});
