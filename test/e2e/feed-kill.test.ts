/**
 * The feed SIGKILLed with lines unread in its pipe, on the real innd: the feed is stopped
 * (SIGSTOP), a burst is posted (innd writes its lines into the pipe), then it is killed. innd starts
 * it again; those lines died with the pipe, and the new feed's catch-up finds the articles in the
 * spool. Every article innd would have fed arrives once (crossposts into the subscribed group
 * included); none it would not have fed (another group, a crosspost into a poisoned group) ever.
 * Restarts after that deliver nothing more.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureGroup, ensureInnd, newMessageId, postAsync } from "../helpers/inn.js";
import {
  addFeed,
  ctlinndFlush,
  type FeedSetup,
  feedPid,
  removeFeedFiles,
  restoreNewsfeeds,
  untilFeed,
} from "../helpers/newsfeeds.js";
import { type Receiver, startReceiver } from "../helpers/receiver.js";

const IN = "local.feedkill.in";
const OUT = "local.feedkill.out";
const POISON = "local.feedkill.poison";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("newsnotify feed SIGKILLed with unread lines in its pipe", () => {
  let rx: Receiver;
  let f: FeedSetup;
  /** Articles innd feeds the entry: each must arrive exactly once. */
  const fed: string[] = [];
  /** Articles innd does not feed it: none may arrive. */
  const notFed: string[] = [];

  const post = async (groups: string[], tag: string) => {
    const id = newMessageId(`feedkill.${tag}`);
    await postAsync(
      `Message-ID: ${id}\nFrom: Feed Tester <ft@example.net>\nNewsgroups: ${groups.join(",")}\nSubject: ${tag}\n\nbody of ${tag}\n`,
    );
    // innd's rule: some group the entry wants, and none it poisons (newsfeeds(5) "@").
    (groups.includes(IN) && !groups.includes(POISON) ? fed : notFed).push(id);
    return id;
  };
  const count = (id: string) =>
    rx.requests.filter((r) => (r.body as { messageId?: string })?.messageId === id).length;
  const log = () => readFileSync(f.log, "utf8");
  const readyCount = () => log().match(/ready: innd's channel feed/g)?.length ?? 0;
  const livePid = async () => {
    await untilFeed(() => feedPid(f.state) !== null, "a running feed", f);
    return feedPid(f.state) as number;
  };
  /** A new feed (not `old`) is ready and has had time to catch up and send. */
  const restarted = async (old: number, readyBefore: number) => {
    await untilFeed(
      () => (feedPid(f.state) ?? old) !== old && readyCount() > readyBefore,
      "a new feed, ready",
      f,
    );
  };
  const expectFedOnce = async () => {
    const arrived = () => fed.filter((id) => count(id) >= 1).length;
    await untilFeed(() => arrived() === fed.length, `all ${fed.length} fed articles`, f).catch(
      (e: Error) => {
        throw new Error(`${arrived()} of ${fed.length} fed articles arrived. ${e.message}`);
      },
    );
    await sleep(2000); // time for a duplicate, or an article not fed, to show
    expect(
      fed.filter((id) => count(id) !== 1),
      log(),
    ).toEqual([]);
    expect(
      notFed.filter((id) => count(id) !== 0),
      log(),
    ).toEqual([]);
  };

  beforeAll(async () => {
    if (process.getuid?.() !== 0)
      throw new Error("the feed tests set up innd's newsfeeds: run as root");
    ensureInnd();
    for (const g of [IN, OUT, POISON]) ensureGroup(g);
    rx = await startReceiver();
    f = addFeed(rx.url, `!*,${IN},@${POISON}`);
    await untilFeed(() => readyCount() > 0, "ready", f);
  }, 120_000);

  afterAll(async () => {
    expect(restoreNewsfeeds()).toBe(true);
    await rx?.close();
    if (f) await removeFeedFiles(f);
  }, 60_000);

  it("a burst innd wrote into the pipe of a stopped feed, then SIGKILL: every fed article once, no other", async () => {
    await post([IN], "warm");
    await expectFedOnce();
    const pid = await livePid();
    const ready = readyCount();
    process.kill(pid, "SIGSTOP");
    try {
      for (let i = 0; i < 8; i++) await post([IN], `burst${i}`);
      for (let i = 0; i < 2; i++) await post([OUT, IN], `cross${i}`);
      for (let i = 0; i < 2; i++) await post([OUT], `out${i}`);
      for (let i = 0; i < 2; i++) await post([IN, POISON], `poisoned${i}`);
      await sleep(1000); // innd has written the lines into the pipe
    } finally {
      process.kill(pid, "SIGKILL");
    }
    await restarted(pid, ready);
    await expectFedOnce();
    // Found by the new feed's catch-up: their lines died with the pipe.
    expect(log()).toMatch(/catch-up \(start\): \d+ article\(s\) filed while unseen/);
  }, 240_000);

  it("then a clean restart (ctlinnd flush) and a SIGKILL of an idle feed deliver nothing more", async () => {
    const requests = rx.requests.length;
    let pid = await livePid();
    let ready = readyCount();
    ctlinndFlush();
    await restarted(pid, ready);
    pid = await livePid();
    ready = readyCount();
    process.kill(pid, "SIGKILL");
    await restarted(pid, ready);
    await sleep(3000);
    expect(rx.requests.length, log()).toBe(requests);
    await post([IN], "after");
    await expectFedOnce();
  }, 240_000);
});
