/**
 * The lease heartbeat with injected timers: when renewals come, what they renew, when they stop,
 * and what a lost lease does. No real time passes.
 */
import { describe, expect, it } from "vitest";
import { LeaseRenewal } from "../../../src/delivery/lease-renewal.js";
import type { Work } from "../../../src/delivery/work.js";
import { makeArticle } from "../notify/article-factory.js";
import { FakeTimers } from "./fake-timers.js";

const work = (id: string, target = "t"): Work => ({
  target,
  messageId: id,
  article: makeArticle({ messageId: id }),
  since: 0,
});
const ids = (ws: readonly Work[]) => ws.map((w) => w.messageId);

function setup(lost: (held: readonly Work[]) => readonly Work[] = () => []) {
  const timers = new FakeTimers();
  const calls: { at: number; ids: string[] }[] = [];
  const logs: string[] = [];
  const renewal = new LeaseRenewal({
    leaseMs: 3000,
    timers,
    log: (_level, m) => logs.push(m),
    renew: async (held) => {
      calls.push({ at: timers.t, ids: ids(held) });
      return lost(held);
    },
  });
  return { timers, calls, logs, renewal };
}

describe("LeaseRenewal", () => {
  it("renews what is held every third of the lease, for as long as it is held", async () => {
    const { timers, calls, renewal } = setup();
    renewal.hold([work("<a@x>"), work("<b@x>")]);
    expect(timers.armed()).toEqual([1000]);
    await timers.advance(3500);
    expect(calls).toEqual([
      { at: 1000, ids: ["<a@x>", "<b@x>"] },
      { at: 2000, ids: ["<a@x>", "<b@x>"] },
      { at: 3000, ids: ["<a@x>", "<b@x>"] },
    ]);
    renewal.letGo([work("<a@x>")]);
    await timers.advance(4000);
    expect(calls.at(-1)).toEqual({ at: 4000, ids: ["<b@x>"] });
  });

  it("stops when everything is let go (done, dropped, released), and starts again on a claim", async () => {
    const { timers, calls, renewal } = setup();
    renewal.hold([work("<a@x>")]);
    await timers.advance(1000);
    renewal.letGo([work("<a@x>")]);
    expect(timers.armed()).toEqual([]);
    await timers.advance(10_000);
    expect(calls).toHaveLength(1);
    renewal.hold([work("<c@x>")]);
    await timers.advance(11_000);
    expect(calls.at(-1)).toEqual({ at: 11_000, ids: ["<c@x>"] });
  });

  it("the same Message-ID for two targets is two leases", async () => {
    const { timers, calls, renewal } = setup();
    renewal.hold([work("<a@x>", "t1"), work("<a@x>", "t2")]);
    renewal.letGo([work("<a@x>", "t1")]);
    expect(renewal.size).toBe(1);
    await timers.advance(1000);
    expect(calls).toEqual([{ at: 1000, ids: ["<a@x>"] }]);
  });

  it("a lease found taken is logged once and no longer renewed", async () => {
    const { timers, calls, logs, renewal } = setup((held) =>
      held.filter((w) => w.messageId === "<a@x>"),
    );
    renewal.hold([work("<a@x>"), work("<b@x>")]);
    await timers.advance(2000);
    expect(calls).toEqual([
      { at: 1000, ids: ["<a@x>", "<b@x>"] },
      { at: 2000, ids: ["<b@x>"] },
    ]);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/lost the lease on 1 notification\(s\) being sent \(<a@x>\)/);
  });

  it("a lease let go while its renewal was in flight is not reported lost", async () => {
    const timers = new FakeTimers();
    const logs: string[] = [];
    let answer: (lost: readonly Work[]) => void = () => {};
    const renewal = new LeaseRenewal({
      leaseMs: 3000,
      timers,
      log: (_l, m) => logs.push(m),
      renew: () => new Promise((r) => (answer = r)),
    });
    const a = work("<a@x>");
    renewal.hold([a]);
    await timers.advance(1000);
    // Done meanwhile: the renewal's UPDATE finds the row finished.
    renewal.letGo([a]);
    answer([a]);
    await timers.advance(1001);
    expect(logs).toEqual([]);
    expect(timers.armed()).toEqual([]);
  });

  it("one renewal at a time: a slow one delays the next instead of overlapping it", async () => {
    const timers = new FakeTimers();
    let inFlight = 0;
    let most = 0;
    const answers: (() => void)[] = [];
    const renewal = new LeaseRenewal({
      leaseMs: 3000,
      timers,
      renew: () =>
        new Promise((r) => {
          inFlight++;
          most = Math.max(most, inFlight);
          answers.push(() => {
            inFlight--;
            r([]);
          });
        }),
    });
    renewal.hold([work("<a@x>")]);
    await timers.advance(5000);
    expect(answers).toHaveLength(1);
    answers[0]?.();
    await timers.advance(5000);
    expect(timers.armed()).toEqual([6000]);
    expect(most).toBe(1);
  });

  it("a failed renewal is logged and tried again at the next turn", async () => {
    const timers = new FakeTimers();
    const logs: string[] = [];
    let calls = 0;
    const renewal = new LeaseRenewal({
      leaseMs: 3000,
      timers,
      log: (_l, m) => logs.push(m),
      renew: async () => {
        if (++calls === 1) throw new Error("connection refused");
        return [];
      },
    });
    renewal.hold([work("<a@x>")]);
    await timers.advance(2000);
    expect(calls).toBe(2);
    expect(logs).toEqual(["renewing leases failed (trying again): connection refused"]);
  });

  it("closed: nothing held, nothing armed", async () => {
    const { timers, calls, renewal } = setup();
    renewal.hold([work("<a@x>")]);
    renewal.close();
    renewal.hold([work("<b@x>")]);
    await timers.advance(10_000);
    expect(calls).toEqual([]);
    expect(timers.armed()).toEqual([]);
  });
});
