/** The exec notifier against programs that misbehave (issue 14: stderr floods, a child holding the pipe). */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Dispatcher } from "../../../src/delivery/dispatcher.js";
import { ExecNotifier } from "../../../src/notify/exec.js";
import { makeArticle } from "./article-factory.js";

function script(body: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "newsnotify-exec-")), "hook.sh");
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** A tag no other process has in its command line, so that its orphans can be counted. */
const tag = () => String(90_000 + Math.floor(Math.random() * 9_000));
const alive = (t: string) => spawnSync("pgrep", ["-f", `sleep ${t}`]).status === 0;

/** Waits (polling, no bound on the time it takes but the test's own timeout) until `done` holds. */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((r) => setTimeout(r, 50));
}

const left: string[] = [];
afterEach(() => {
  // Orphans of a failed run: found by their unique tag, killed by pid.
  for (const t of left.splice(0)) {
    const pids = spawnSync("pgrep", ["-f", `^sleep ${t}$`], { encoding: "utf8" }).stdout;
    for (const pid of pids.split("\n").filter(Boolean)) process.kill(Number(pid), "SIGKILL");
  }
});

describe("exec notifier faults", () => {
  it("a program that writes 100 MB to stderr and exits 1: a bounded message, retried with backoff", async () => {
    const file = script('cat >/dev/null\nhead -c 100000000 /dev/zero | tr "\\000" E >&2\nexit 1');
    const n = new ExecNotifier({ type: "exec", command: [file], timeoutMs: 20_000 } as never);
    const e = (await n.send(makeArticle()).catch((x: unknown) => x)) as Error;
    expect(e.message).toMatch(
      /^exited with code 1: E{300}… \(\+99991808 bytes of stderr not shown\)$/,
    );
    expect(e.message.length).toBeLessThan(400);

    const log: string[] = [];
    const at: number[] = [];
    const dispatcher = new Dispatcher([n], {
      log: (l) => {
        log.push(l);
        if (/attempt \d+ failed/.test(l)) at.push(Date.now());
      },
      retry: { initialMs: 400, maxMs: 60_000 },
    });
    dispatcher.dispatch(makeArticle());
    // Wait for the condition, not for a time: on a loaded machine one attempt can take seconds.
    while (at.length < 3) await new Promise((r) => setTimeout(r, 50));
    await dispatcher.close();
    // Backed off (400 ms, then 800, ±20 %), not retried at once; each attempt one bounded line.
    expect((at[1] as number) - (at[0] as number)).toBeGreaterThanOrEqual(320);
    expect((at[2] as number) - (at[1] as number)).toBeGreaterThanOrEqual(640);
    expect(log.length).toBeLessThanOrEqual(4);
    expect(log.join("\n").length).toBeLessThan(4 * 1000);
  }, 60_000);

  it("timeout while a child of the program holds the pipe: the whole group is killed, no orphan", async () => {
    const t = tag();
    left.push(t);
    const n = new ExecNotifier({
      type: "exec",
      command: [script(`cat >/dev/null; sleep ${t}`)],
      timeoutMs: 1000,
    } as never);
    // Were the pipe waited for, this would end only when the child does (in a day).
    const e = await n.send(makeArticle()).catch((x: unknown) => x as Error);
    expect(e?.message).toBe("timed out after 1000 ms");
    await until(() => !alive(t));
  });

  it("a stop (the dispatcher closing) kills the program's group at once", async () => {
    const t = tag();
    left.push(t);
    const n = new ExecNotifier({
      type: "exec",
      command: [script(`cat >/dev/null; sleep ${t} & sleep ${t}; wait`)],
      timeoutMs: 60_000,
    } as never);
    const abort = new AbortController();
    const sending = n.send(makeArticle(), abort.signal).catch((x: unknown) => x as Error);
    await until(() => alive(t));
    abort.abort(new Error("stopping"));
    expect((await sending)?.message).toBe("stopping");
    await until(() => !alive(t));
  });

  it("a program that leaves a child holding its stderr and exits 0 is done when it exits", async () => {
    const t = tag();
    left.push(t);
    const n = new ExecNotifier({
      type: "exec",
      command: [script(`cat >/dev/null; sleep ${t} & exit 0`)],
      timeoutMs: 30_000,
    } as never);
    // Were stderr read to its end, this would fail with the timeout (30 s) instead.
    await expect(n.send(makeArticle())).resolves.toBeUndefined();
    execFileSync("true");
  });
});
