/** The pid lock: held only by a live `newsnotify watch` on the same state directory. */
import { type ChildProcessByStdio, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  isWatch,
  LockHeldError,
  type LockOwner,
  lockStateDir,
  startTime,
} from "../../../src/state/lock.js";
import { bundleEntry } from "../../helpers/bundle.js";

const fresh = () => mkdtempSync(join(tmpdir(), "newsnotify-lock-"));
const kids: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const k of kids.splice(0)) k.kill("SIGKILL");
});

/** A live process whose command line reads like `newsnotify watch`. */
async function fakeWatch(): Promise<number> {
  const kid = spawn(
    process.execPath,
    ["-e", "setInterval(() => {}, 1000)", "/opt/newsnotify/bin/newsnotify", "watch"],
    { stdio: "ignore" },
  );
  kids.push(kid);
  await new Promise((r) => kid.once("spawn", r));
  return kid.pid as number;
}

describe("lockStateDir", () => {
  it("a live pid that is not newsnotify (echo 1 > watch.pid) does not block the start", async () => {
    const dir = fresh();
    writeFileSync(join(dir, "watch.pid"), "1\n");
    const unlock = await lockStateDir(dir);
    expect(readFileSync(join(dir, "watch.pid"), "utf8").split("\n")[0]).toBe(String(process.pid));
    await unlock();
  });

  it("a live newsnotify watch on this directory holds it", async () => {
    const dir = fresh();
    const pid = await fakeWatch();
    writeFileSync(join(dir, "watch.pid"), `${pid}\n${await startTime(pid)}\n${dir}\n`);
    await expect(lockStateDir(dir)).rejects.toThrow(
      new RegExp(`another newsnotify watch \\(pid ${pid}\\) uses the state directory`),
    );
  });

  it("the same watch named with another directory, or another start time (a reused pid), does not", async () => {
    const pid = await fakeWatch();
    const start = await startTime(pid);
    for (const content of [`${pid}\n${start}\n/elsewhere\n`, `${pid}\n${Number(start) + 1}\n`]) {
      const dir = fresh();
      writeFileSync(join(dir, "watch.pid"), content.replace("/elsewhere", "/elsewhere"));
      const unlock = await lockStateDir(dir);
      await unlock();
    }
  });

  it("writes pid, start time and directory", async () => {
    const dir = fresh();
    const unlock = await lockStateDir(dir);
    expect(readFileSync(join(dir, "watch.pid"), "utf8")).toBe(
      `${process.pid}\n${await startTime(process.pid)}\n${dir}\n`,
    );
    await unlock();
  });
});

/** Starters 100000…100000+n-1 in this process, each with its own pid, all alive throughout. */
function starters(n: number) {
  const pids = Array.from({ length: n }, (_, i) => 100_000 + i);
  const alive = new Set(pids);
  const isOwner = async (o: LockOwner) => alive.has(o.pid);
  return { pids, alive, isOwner };
}

/** Each starter's outcome: "held", or the pid a LockHeldError named. */
async function race(dir: string, n: number, before?: () => void) {
  const { pids, isOwner } = starters(n);
  before?.();
  const outcomes = await Promise.all(
    pids.map((pid) =>
      lockStateDir(dir, isOwner, { pid, start: 1 }).then(
        () => ({ pid, held: true as const }),
        (e: unknown) => {
          if (!(e instanceof LockHeldError)) throw e;
          return { pid, held: false as const, owner: e.owner.pid };
        },
      ),
    ),
  );
  const holders = outcomes.filter((o) => o.held).map((o) => o.pid);
  return { outcomes, holders };
}

describe("lockStateDir with starters racing (innd restarts `feed` on every channel reload)", () => {
  it("of 20 starting at once, exactly one holds the directory; the others are told which", async () => {
    for (let round = 0; round < 5; round++) {
      const dir = fresh();
      const { outcomes, holders } = await race(dir, 20);
      expect(holders).toHaveLength(1);
      for (const o of outcomes) if (!o.held) expect(o.owner).toBe(holders[0]);
      expect(readFileSync(join(dir, "watch.pid"), "utf8")).toBe(`${holders[0]}\n1\n${dir}\n`);
      expect(readdirSync(dir)).toEqual(["watch.pid"]);
    }
  });

  it("of 20 finding one stale lock (its owner gone), exactly one takes it over", async () => {
    for (let round = 0; round < 5; round++) {
      const dir = fresh();
      const { holders } = await race(dir, 20, () =>
        writeFileSync(join(dir, "watch.pid"), `99\n1\n${dir}\n`),
      );
      expect(holders).toHaveLength(1);
      expect(readFileSync(join(dir, "watch.pid"), "utf8").split("\n")[0]).toBe(String(holders[0]));
      expect(readdirSync(dir)).toEqual(["watch.pid"]);
    }
  });

  it("release removes the lock only while it names this process", async () => {
    const dir = fresh();
    const unlock = await lockStateDir(dir, async () => false, { pid: 100_001, start: 1 });
    writeFileSync(join(dir, "watch.pid"), `100002\n1\n${dir}\n`);
    await unlock();
    expect(readFileSync(join(dir, "watch.pid"), "utf8")).toBe(`100002\n1\n${dir}\n`);
    const mine = await lockStateDir(fresh(), async () => false, { pid: 100_003, start: 1 });
    await mine();
  });

  it("a takeover mutex left by a process that died in it is cleared once old", async () => {
    const dir = fresh();
    writeFileSync(join(dir, "watch.pid"), `99\n1\n${dir}\n`);
    writeFileSync(join(dir, "watch.pid.takeover"), "");
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, "watch.pid.takeover"), old, old);
    const unlock = await lockStateDir(dir, async () => false, { pid: 100_004, start: 1 });
    expect(readdirSync(dir)).toEqual(["watch.pid"]);
    await unlock();
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("lockStateDir across processes", () => {
  let child: Awaited<ReturnType<typeof bundleEntry>>;
  beforeAll(async () => {
    child = await bundleEntry("test/helpers/lock-child.ts");
  });
  afterAll(() => child.remove());
  const procs: ChildProcessByStdio<Writable, Readable, null>[] = [];
  afterEach(() => {
    for (const p of procs.splice(0)) p.kill("SIGKILL");
  });

  /** A child that takes the lock when told `go`; line(k) is its k-th line (ready, held…). */
  function start(dir: string) {
    const p = spawn(
      process.execPath,
      [child.path, dir, "/opt/newsnotify/bin/newsnotify", "watch"],
      { stdio: ["pipe", "pipe", "inherit"] },
    );
    procs.push(p);
    const lines: string[] = [];
    let buf = "";
    const waiters: (() => void)[] = [];
    p.stdout.on("data", (d: Buffer) => {
      buf += d.toString();
      let nl = buf.indexOf("\n");
      while (nl >= 0) {
        lines.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        nl = buf.indexOf("\n");
      }
      for (const w of waiters.splice(0)) w();
    });
    const line = (k: number) =>
      new Promise<string>((resolve, reject) => {
        const check = () => {
          if (lines.length > k) resolve(lines[k] as string);
          else if (p.exitCode !== null) reject(new Error(`child exited: ${lines.join(" | ")}`));
          else waiters.push(check);
        };
        p.once("exit", check);
        check();
      });
    return { p, line };
  }

  /** Eight children told to go at once: exactly one holds, the others name it. */
  async function eight(dir: string) {
    const kids = Array.from({ length: 8 }, () => start(dir));
    expect(await Promise.all(kids.map((k) => k.line(0)))).toEqual(Array(8).fill("ready"));
    for (const k of kids) k.p.stdin.write("go\n");
    const first = await Promise.all(kids.map((k) => k.line(1)));
    const holders = kids.filter((_, i) => first[i] === "held");
    expect(first.filter((l) => l !== "held")).toEqual(Array(7).fill(`busy ${holders[0]?.p.pid}`));
    expect(holders).toHaveLength(1);
    return holders[0] as ReturnType<typeof start>;
  }

  it("eight processes start together, then eight more after the holder is SIGKILLed: one holder each time", async () => {
    for (let round = 0; round < 3; round++) {
      const dir = fresh();
      const first = await eight(dir);
      first.p.kill("SIGKILL");
      await new Promise((r) => first.p.once("exit", r));
      const second = await eight(dir); // the lock now names a dead process
      expect(readFileSync(join(dir, "watch.pid"), "utf8").split("\n")[0]).toBe(
        String(second.p.pid),
      );
      second.p.stdin.end();
      expect(await second.line(2)).toBe("released");
      expect(readdirSync(dir)).toEqual([]);
    }
  });
});

describe("isWatch", () => {
  it.each([
    [
      ["node", "--max-semi-space-size=2", "/opt/newsnotify/bin/newsnotify", "watch", "-c", "x"],
      true,
    ],
    [["node", "/usr/bin/newsnotify", "watch"], true],
    [["node", "/usr/bin/newsnotify", "feed", "-c", "/etc/newsnotify/feed.yaml"], true],
    [["node", "/usr/bin/newsnotify", "doctor"], false],
    [["/sbin/init", "watch"], false],
    [["vim", "newsnotify.yaml", "watch"], false],
  ])("%j → %s", (argv, want) => expect(isWatch(argv)).toBe(want));
});
