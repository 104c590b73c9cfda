/**
 * Every INN storage method through the feed source: innd's channel gives tokens, whatever the
 * method, and `sm` reads each (th.* → timehash, tc.* → timecaf, cn.* → CNFS, * → tradspool:
 * test/helpers/storage-methods.ts), with newsfeeds and storage.conf restored afterwards, even on
 * failure.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newMessageId, postAsync } from "../helpers/inn.js";
import {
  addFeed,
  type FeedSetup,
  removeFeedFiles,
  restoreNewsfeeds,
} from "../helpers/newsfeeds.js";
import { type Receiver, startReceiver } from "../helpers/receiver.js";
import {
  METHOD_GROUPS,
  restoreOnExit,
  restoreStorageMethods,
  tokenOf,
  useStorageMethods,
} from "../helpers/storage-methods.js";

const CASES = [
  ["tradspool", METHOD_GROUPS.tradspool],
  ["timehash", METHOD_GROUPS.timehash],
  ["timecaf", METHOD_GROUPS.timecaf],
  ["cnfs", METHOD_GROUPS.cnfs],
] as const;

describe("the feed source with every storage method", () => {
  let rx: Receiver;
  let f: FeedSetup;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    if (process.getuid?.() !== 0) throw new Error("the feed tests set up innd: run as root");
    restoreOnExit();
    useStorageMethods();
    rx = await startReceiver();
    f = addFeed(rx.url, `!*,${CASES.map(([, g]) => g).join(",")}`);
    for (let i = 0; i < 300 && !/ready: /.test(readFileSync(f.log, "utf8")); i++)
      await new Promise((r) => setTimeout(r, 100));
    for (const [name, group] of CASES) {
      const id = newMessageId(`feed.${name}`);
      await postAsync(
        `Message-ID: ${id}\nFrom: Storage Tester <st@example.net>\nNewsgroups: ${group}\nSubject: ${name} by feed\n\nBody of ${name}.\n`,
      );
      ids.set(name, id);
    }
    await rx.waitFor(CASES.length, 60_000).catch((e: Error) => {
      throw new Error(`${e.message}\nthe feed said:\n${readFileSync(f.log, "utf8")}`);
    });
    await new Promise((r) => setTimeout(r, 1500)); // time for a duplicate to show
  }, 300_000);

  afterAll(async () => {
    restoreNewsfeeds();
    await rx?.close();
    try {
      if (f) await removeFeedFiles(f);
    } finally {
      restoreStorageMethods();
    }
  }, 120_000);

  it.each(CASES)("%s: notified once, read by its token", (name, group) => {
    const id = ids.get(name) as string;
    const got = rx.requests
      .map((r) => r.body as Record<string, unknown>)
      .filter((b) => b?.messageId === id);
    expect(got).toHaveLength(1);
    expect(got[0]?.group).toBe(group);
    expect(got[0]?.subject).toBe(`${name} by feed`);
    expect(got[0]?.snippet).toBe(`Body of ${name}.`);
    expect(got[0]?.token).toBe(tokenOf(id));
  });
});
