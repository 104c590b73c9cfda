/** The watcher's counters: what the flow and delivery report becomes status.json and /metrics. */
import { describe, expect, it } from "vitest";
import { LATENCY_BUCKETS, Stats } from "../../../src/stats/stats.js";

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("Stats", () => {
  it("counts articles by source, and catch-up apart", () => {
    const c = clock();
    const s = new Stats(c.now);
    s.attached("tracepoint", "walk depth 8", 0);
    s.seen({ messageId: "<1@x>", group: "local.test" }, "trace");
    s.seen({ messageId: "<2@x>", group: "local.test" }, "trace");
    s.seen({ messageId: "<3@x>", group: "comp.misc" }, "catchup");
    const snap = s.snapshot();
    expect(snap.seen).toEqual({ tracepoint: 2, catchup: 1 });
    expect(snap.lastArticle).toEqual({
      messageId: "<3@x>",
      group: "comp.misc",
      at: 1_000_000,
      via: "catchup",
    });
  });

  it("drops past maxBacklog count with the refused ones, and are no failed attempt", () => {
    const s = new Stats(clock().now);
    s.configure([{ target: "t1", label: "webhook http://127.0.0.1/h" }]);
    s.failed("t1", "HTTP 400", 1);
    s.overflowed("t1", 7);
    const [n] = s.snapshot().notifiers;
    expect(n?.dropped).toBe(8);
    expect(n?.failed).toBe(1);
  });

  it("measures latency from the event to the acceptance, in the right buckets", () => {
    const c = clock();
    const s = new Stats(c.now);
    s.configure([{ target: "t1", label: "webhook http://127.0.0.1/h" }]);
    s.seen({ messageId: "<1@x>", group: "g" }, "trace");
    c.advance(40);
    s.delivered("t1", ["<1@x>"]);
    // Resent from an earlier run: delivered, but no event time, so no latency.
    s.delivered("t1", ["<old@x>"]);
    const [n] = s.snapshot().notifiers;
    expect(n?.delivered).toBe(2);
    expect(n?.latency.count).toBe(1);
    expect(n?.latency.sum).toBeCloseTo(0.04);
    const at = (bound: number) => n?.latency.buckets[LATENCY_BUCKETS.indexOf(bound as never)];
    expect([at(0.025), at(0.05), at(300)]).toEqual([0, 1, 1]);
  });

  const failing: [string, (s: Stats) => void, number | null, number][] = [
    ["a failure makes it failing", (s) => s.failed("t1", "HTTP 503", 0), 1_000_000, 0],
    [
      "a success after it clears it",
      (s) => {
        s.failed("t1", "HTTP 503", 0);
        s.delivered("t1", ["<1@x>"]);
      },
      null,
      0,
    ],
    ["a refusal drops the article", (s) => s.failed("t1", "HTTP 400 (refused)", 1), 1_000_000, 1],
  ];
  it.each(failing)("%s", (_name, act, failingSince, dropped) => {
    const s = new Stats(clock().now);
    s.configure([{ target: "t1", label: "x" }]);
    act(s);
    const [n] = s.snapshot().notifiers;
    expect(n?.failingSince).toBe(failingSince);
    expect(n?.dropped).toBe(dropped);
  });

  it("keeps a notifier's counts across a reload that keeps it; lists only the configured ones", () => {
    const s = new Stats(clock().now);
    s.configure([
      { target: "a", label: "A" },
      { target: "b", label: "B" },
    ]);
    s.delivered("a", ["<1@x>"]);
    s.configure([{ target: "a", label: "A renamed" }]);
    s.backlogFrom(() => new Map([["a", 3]]));
    const snap = s.snapshot();
    expect(snap.notifiers.map((n) => [n.label, n.delivered])).toEqual([["A renamed", 1]]);
    expect(snap.backlog).toEqual({ a: 3 });
  });

  it("changes grows with every event (the status file is written only then)", () => {
    const s = new Stats(clock().now);
    const before = s.changes;
    s.lost(5);
    s.catchUpRun("lost events", 2);
    expect(s.changes).toBe(before + 2);
    expect(s.snapshot()).toMatchObject({
      lostEvents: 5,
      catchUp: { runs: 1, articles: 2, last: { reason: "lost events" } },
    });
  });
});
