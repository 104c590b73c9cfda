/**
 * The feed source on the real innd: a newsnotify entry in newsfeeds (test/helpers/newsfeeds.ts,
 * restored afterwards even on failure), innd running `newsnotify feed` as news, a webhook on
 * 127.0.0.1. Every article of the subscribed group arrives once, through ctlinnd flush, an innd
 * restart, a SIGKILL and a time with no feed running (innd spools); the other group never.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ensureGroup,
  ensureInnd,
  INNBIN,
  newMessageId,
  postAsync,
  restartInndAsync,
} from "../helpers/inn.js";
import {
  addFeed,
  ctlinndFlush,
  type FeedSetup,
  feedPid,
  removeFeedFiles,
  restoreNewsfeeds,
  SITE,
  spoolFileOf,
  untilFeed,
} from "../helpers/newsfeeds.js";
import { type Receiver, startReceiver } from "../helpers/receiver.js";

const BIN = new URL("../../bin/newsnotify", import.meta.url).pathname;
const IN = "local.feedin";
const OUT = "local.feedout";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const until = untilFeed;

describe("newsnotify feed, innd's channel program", () => {
  let rx: Receiver;
  let f: FeedSetup;
  const posted: string[] = [];

  const post = async (group: string, tag: string) => {
    const id = newMessageId(`feed.${tag}`);
    await postAsync(
      `Message-ID: ${id}\nFrom: Feed Tester <ft@example.net>\nNewsgroups: ${group}\nSubject: ${tag}\n\nbody of ${tag}\n`,
    );
    if (group === IN) posted.push(id);
    return id;
  };
  const count = (id: string) =>
    rx.requests.filter((r) => (r.body as { messageId?: string })?.messageId === id).length;
  /** Every article of the subscribed group posted so far has arrived (and none is awaited). */
  const allArrived = () => posted.every((id) => count(id) >= 1);
  const expectEachOnce = async () => {
    await until(allArrived, `all ${posted.length} subscribed articles`, f);
    await sleep(1500); // time for a duplicate to show
    const twice = posted.filter((id) => count(id) !== 1);
    expect(twice, readFileSync(f.log, "utf8")).toEqual([]);
  };
  const livePid = async () => {
    await until(() => feedPid(f.state) !== null, "a running feed", f);
    return feedPid(f.state) as number;
  };

  beforeAll(async () => {
    if (process.getuid?.() !== 0)
      throw new Error("the feed tests set up innd's newsfeeds: run as root");
    ensureInnd();
    ensureGroup(IN);
    ensureGroup(OUT);
    rx = await startReceiver();
    f = addFeed(rx.url, `!*,${IN}`);
    await until(() => /ready: innd's channel feed/.test(readFileSync(f.log, "utf8")), "ready", f);
  }, 120_000);

  afterAll(async () => {
    rmSync(f?.hold ?? "/nonexistent", { force: true });
    expect(restoreNewsfeeds()).toBe(true);
    await rx?.close();
    if (f) await removeFeedFiles(f);
  }, 60_000);

  it("the newsfeeds entry is active in innd (ctlinnd feedinfo)", () => {
    const info = execFileSync(`${INNBIN}/ctlinnd`, ["feedinfo", SITE], { encoding: "utf8" });
    expect(info).toMatch(/^nne2e!:\s+channel pid=\d+/m);
  });

  it("doctor names the entry, the groups innd sends it and that innd runs it", async () => {
    const r = await execa(BIN, ["doctor"], { reject: false });
    expect(r.stdout).toMatch(/^feed nne2e! +\/bin\/sh .* newsnotify feed \(flags Tc,Wnm\)$/m);
    expect(r.stdout).toMatch(
      new RegExp(`^feed nne2e! groups +!\\*,!\\*,${IN.replace(".", "\\.")}$`, "m"),
    );
    expect(r.stdout).toMatch(/^feed nne2e! in innd +active: nne2e!: channel pid=\d+/m);
    expect(r.stdout).not.toMatch(/PROBLEM: .*nne2e/);
  });

  it("status, as news, reads its state directory: a feed runs", async () => {
    await livePid();
    const r = await execa(BIN, ["status", "-c", f.config, "--json"], {
      uid: f.uid,
      gid: Number(execFileSync("id", ["-g", "news"], { encoding: "utf8" })),
      reject: false,
      cwd: "/",
    });
    const doc = JSON.parse(r.stdout) as { running: boolean; status: { source?: string } | null };
    expect(doc.running, r.stdout + r.stderr).toBe(true);
    expect(JSON.stringify(doc.status)).toContain("feed");
  });

  it("runs as news, with no tracing process in its tree", async () => {
    const pid = await livePid();
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    expect(/^Uid:\s+(\d+)/m.exec(status)?.[1]).toBe(String(f.uid));
    expect(readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")).toContain("feed");
    // Its parent is innd (through no shell: the wrapper execs), and nothing it runs is bpftrace.
    const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
    expect(readFileSync(`/proc/${ppid}/comm`, "utf8").trim()).toBe("innd");
    const children = (p: number): number[] =>
      readdirSync("/proc")
        .filter((d) => /^\d+$/.test(d))
        .map(Number)
        .filter((c) => {
          try {
            return (
              Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${c}/status`, "utf8"))?.[1]) === p
            );
          } catch {
            return false;
          }
        });
    const tree: number[] = [];
    for (let next = children(pid); next.length > 0; next = next.flatMap(children))
      tree.push(...next);
    const names = tree.map((p) => {
      try {
        return readFileSync(`/proc/${p}/comm`, "utf8").trim();
      } catch {
        return "";
      }
    });
    expect(names.filter((n) => n === "bpftrace")).toEqual([]);
    expect(statSync(f.state).uid).toBe(f.uid);
  });

  it("articles of the subscribed group arrive once; the other group's never reach it", async () => {
    const outside: string[] = [];
    for (let i = 0; i < 3; i++) {
      await post(IN, `in${i}`);
      outside.push(await post(OUT, `out${i}`));
    }
    await expectEachOnce();
    for (const id of outside) expect(count(id)).toBe(0);
    expect(readFileSync(f.log, "utf8")).not.toMatch(new RegExp(OUT.replace(".", "\\.")));
  }, 120_000);

  it("ctlinnd flush in the middle of a burst: every article once", async () => {
    const before = await livePid();
    for (let i = 0; i < 12; i++) {
      await post(IN, `flush${i}`);
      if (i === 5) ctlinndFlush();
    }
    await expectEachOnce();
    await until(() => (feedPid(f.state) ?? before) !== before, "a new feed after the flush", f);
    expect(readFileSync(f.log, "utf8")).toMatch(/end of innd's channel/);
  }, 180_000);

  it("innd restarted in the middle of a burst: every article once", async () => {
    for (let i = 0; i < 6; i++) await post(IN, `restart-a${i}`);
    await restartInndAsync();
    for (let i = 0; i < 6; i++) await post(IN, `restart-b${i}`);
    await expectEachOnce();
  }, 240_000);

  it("SIGKILLed in the middle of a burst: innd starts it again, every article once", async () => {
    for (let i = 0; i < 12; i++) {
      const id = await post(IN, `kill${i}`);
      if (i !== 5) continue;
      // Not while it sends: a kill between a send and its "done" line repeats that one send (the
      // outbox's at-least-once), which is not what this checks.
      await until(() => count(id) === 1, "kill5 delivered", f);
      await sleep(300);
      process.kill(await livePid(), "SIGKILL");
    }
    await expectEachOnce();
  }, 180_000);

  it("while no feed runs innd spools; ctlinnd flush writes the spool file, and the next feed replays it, once each", async () => {
    const pid = await livePid();
    writeFileSync(f.hold, "");
    // innd starts the wrapper again at once; it closes its stdin and sleeps: nothing reads, and
    // innd's writes fail (EPIPE), so it spools.
    process.kill(pid, "SIGKILL");
    await until(() => readFileSync(`${f.hold}.pid`, "utf8").trim() !== "", "the sleeper", f);
    await sleep(500);
    const meanwhile: string[] = [];
    for (let i = 0; i < 5; i++) meanwhile.push(await post(IN, `spooled${i}`));
    const info = () => execFileSync(`${INNBIN}/ctlinnd`, ["feedinfo", SITE], { encoding: "utf8" });
    await until(() => / spooling /.test(info()), "innd spooling", f);
    await sleep(1500);
    for (const id of meanwhile) expect(count(id)).toBe(0);
    rmSync(f.hold);
    // What innd holds goes to pathoutgoing/<site>; innd starts the program, which replays it.
    ctlinndFlush();
    process.kill(Number(readFileSync(`${f.hold}.pid`, "utf8")), "SIGKILL");
    await expectEachOnce();
    expect(readFileSync(f.log, "utf8")).toMatch(/replaying \d+ byte\(s\) innd spooled/);
    expect(existsSync(spoolFileOf())).toBe(false);
  }, 180_000);
});
