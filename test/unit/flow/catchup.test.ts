import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { CATCH_UP_REASONS, CatchUp, type CatchUpReason } from "../../../src/flow/catchup.js";
import { HighWater } from "../../../src/state/highwater.js";

/** A spool with local.test's directory, an active file's path and a state directory. */
function tree() {
  const root = mkdtempSync(join(tmpdir(), "newsnotify-catchup-"));
  const spool = join(root, "spool");
  mkdirSync(join(spool, "local", "test"), { recursive: true });
  const state = join(root, "state");
  mkdirSync(state);
  return { spool, activeFile: join(root, "active"), state };
}

it("makes the journal durable (beforeSave) before every save of the marks, after the articles", async () => {
  const { spool, activeFile, state } = tree();
  const marksFile = join(state, "highwater.json");
  const events: string[] = [];
  const catchUp = new CatchUp({
    spool,
    activeFile,
    marks: await HighWater.load(state),
    limits: { maxArticles: 100, maxAgeMinutes: 60 },
    log: () => {},
    seen: () => false,
    article: async (ref) => {
      events.push(`article ${ref.path?.slice(spool.length)}`);
    },
    beforeSave: async () => {
      events.push(`beforeSave (marks on disk: ${existsSync(marksFile)})`);
    },
  });
  writeFileSync(activeFile, "local.test 0000000002 0000000001 y\n");
  await catchUp.request("start"); // first start: only records the marks
  writeFileSync(join(spool, "local", "test", "3"), "x");
  writeFileSync(activeFile, "local.test 0000000003 0000000001 y\n");
  await catchUp.request("periodic");
  expect(events).toEqual([
    "beforeSave (marks on disk: false)",
    "article /local/test/3",
    "beforeSave (marks on disk: true)",
  ]);
});

it("saves the marks past what this run handled at a stop, journal made durable first; the next start finds nothing", async () => {
  const { spool, activeFile, state } = tree();
  const handled = new Set<string>();
  const events: string[] = [];
  const make = async () =>
    new CatchUp({
      spool,
      activeFile,
      marks: await HighWater.load(state),
      limits: { maxArticles: 100, maxAgeMinutes: 60 },
      log: () => {},
      seen: (g, n) => handled.has(`${g}:${n}`),
      article: async (ref) => {
        events.push(`article ${ref.path?.slice(spool.length)}`);
      },
      beforeSave: async () => {
        events.push("beforeSave");
      },
    });
  writeFileSync(activeFile, "local.test 0000000002 0000000001 y\n");
  const first = await make();
  await first.request("start");
  // Two articles traced and journaled by this run, then a clean stop.
  for (const n of [3, 4]) writeFileSync(join(spool, "local", "test", String(n)), "x");
  writeFileSync(activeFile, "local.test 0000000004 0000000001 y\n");
  handled.add("local.test:3").add("local.test:4");
  events.length = 0;
  await first.saveProgress();
  expect(events).toEqual(["beforeSave"]);
  // The next process (nothing seen yet) has nothing to catch up on.
  handled.clear();
  events.length = 0;
  await (await make()).request("start");
  expect(events).toEqual(["beforeSave"]);
});

it.each(Object.keys(CATCH_UP_REASONS) as CatchUpReason[])(
  "reason %s: catchUp.maxArticles caps only the backlog found at start",
  async (reason) => {
    const { spool, activeFile, state } = tree();
    const read: string[] = [];
    const make = async () =>
      new CatchUp({
        spool,
        activeFile,
        marks: await HighWater.load(state),
        limits: { maxArticles: 2, maxAgeMinutes: 60 },
        log: () => {},
        seen: () => false,
        article: async (ref) => {
          read.push(ref.path?.slice(spool.length) ?? "");
        },
      });
    writeFileSync(activeFile, "local.test 0000000001 0000000001 y\n");
    await (await make()).request("start"); // records the marks
    for (const n of [2, 3, 4, 5]) writeFileSync(join(spool, "local", "test", String(n)), "x");
    writeFileSync(activeFile, "local.test 0000000005 0000000001 y\n");
    await (await make()).request(reason);
    const want = CATCH_UP_REASONS[reason].capped ? [4, 5] : [2, 3, 4, 5];
    expect(read.sort()).toEqual(want.map((n) => `/local/test/${n}`));
  },
);
