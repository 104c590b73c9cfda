import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ATTACHED_MARKER, announcesAfterAttach } from "../../../src/sources/bpftrace.js";
import { sourceNamed } from "../../../src/sources/registry.js";
import { type SupervisorOptions, TraceSupervisor } from "../../../src/sources/supervisor.js";
import type { Timers } from "../../../src/util/timers.js";

// A fake bpftrace that behaves like 0.17-0.23: `attached_probes` first, then (the programs still
// loading) a line, then the after-attach marker on stderr (to 0.20) or stdout (later), then a line.
// No test here sleeps or bounds a wait by time: each waits for the event it is about.
const dir = mkdtempSync(join(tmpdir(), "nn-supervisor-"));
/** Made by the test once it read the line before the marker (see fakeBpftrace's "stderr"). */
const goFile = (name: string) => join(dir, `${name}.go`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function fakeBpftrace(name: string, marker: "stdout" | "stderr" | "none" | "stripped"): string {
  const file = join(dir, name);
  const emit =
    marker === "none" || marker === "stripped"
      ? ""
      : `[ "$${ATTACHED_MARKER}" = 1 ] && echo ${ATTACHED_MARKER}${marker === "stderr" ? " >&2" : ""}`;
  writeFileSync(
    file,
    [
      "#!/bin/sh",
      `echo '{"type": "attached_probes", "data": {"probes": 3}}'`,
      "echo 'loading the programs'",
      // The stderr marker must not overtake the stdout line before it (two pipes): it waits until
      // the test has read that line.
      marker === "stderr" ? `while [ ! -e '${goFile(name)}' ]; do sleep 0.01; done` : "",
      emit,
      "echo 'probes live'",
      marker === "none" ? "exit 1" : "trap 'kill $!; exit 0' INT; sleep 30 & wait",
      "",
    ].join("\n"),
  );
  chmodSync(file, 0o755);
  return file;
}

/** A supervisor of the fake `command` as a kprobe source; `o` sets what each test watches. */
function supervise(
  command: string,
  o: Partial<SupervisorOptions> & Pick<SupervisorOptions, "onAttached" | "bpftraceVersion">,
): TraceSupervisor {
  return new TraceSupervisor({
    command: [command],
    source: sourceNamed("kprobe"),
    makeProgram: () => ({ source: "kprobe", text: "", detail: "walk depth 9", depth: 9 }),
    mayFallBack: false,
    onEvent: () => {},
    log: () => {},
    ...o,
  });
}

/**
 * Runs the supervisor until it is attached and the line after the marker arrived (or until the start
 * fails); the order of events and the ready moment.
 */
async function order(command: string, version: [number, number, number]): Promise<string[]> {
  const seen: string[] = [];
  let live: () => void = () => {};
  const probesLive = new Promise<void>((r) => (live = r));
  let ready: () => void = () => {};
  const attached = new Promise<void>((r) => (ready = r));
  const sup = supervise(command, {
    onEvent: (ev) => {
      if (ev.kind !== "problem") return;
      const line = ev.text.replace(/^bpftrace: /, "");
      seen.push(line);
      if (line === "loading the programs") writeFileSync(goFile(basename(command)), "");
      if (line === "probes live") live();
    },
    onAttached: () => {
      seen.push("READY");
      ready();
    },
    bpftraceVersion: version,
  });
  const running = sup.run();
  await Promise.race([Promise.all([attached, probesLive]), running]);
  await sup.stop();
  await running;
  return seen;
}

/** Timers the test fires by hand: `scheduled` resolves with each timer as it is set. */
function handTimers() {
  const set: { ms: number; fire: () => void; cancelled: boolean }[] = [];
  let notify: () => void = () => {};
  const timers: Timers = {
    now: () => 0,
    after: (ms, fn) => {
      const t = { ms, fire: fn, cancelled: false };
      set.push(t);
      notify();
      return () => {
        t.cancelled = true;
      };
    },
  };
  const scheduled = () => new Promise<void>((r) => (notify = r));
  return { timers, set, scheduled };
}

describe("TraceSupervisor: ready only once bpftrace's probes are attached", () => {
  it("bpftrace 0.23: the stdout marker, not attached_probes, is the ready moment", async () => {
    expect(await order(fakeBpftrace("b023", "stdout"), [0, 23, 2])).toEqual([
      "loading the programs",
      "READY",
      "probes live",
    ]);
  });

  it("bpftrace 0.17: the marker on stderr", async () => {
    const seen = await order(fakeBpftrace("b017", "stderr"), [0, 17, 0]);
    expect(seen.indexOf("READY")).toBeGreaterThan(seen.indexOf("loading the programs"));
    expect(seen).toContain("probes live");
  });

  it("no marker before 0.24: never ready, the start fails", async () => {
    await expect(order(fakeBpftrace("none", "none"), [0, 23, 2])).rejects.toThrow(
      /could not attach/,
    );
  });

  it("the marker stripped on the way (sudo without env_keep), bpftrace running: ready 3 s after attached_probes, said once", async () => {
    const logs: string[] = [];
    const clock = handTimers();
    let readyNow: () => void = () => {};
    const ready = new Promise<void>((r) => (readyNow = r));
    let readyCount = 0;
    const sup = supervise(fakeBpftrace("stripped", "stripped"), {
      onAttached: () => {
        readyCount++;
        readyNow();
      },
      log: (level, text) => logs.push(`${level}: ${text}`),
      bpftraceVersion: [0, 23, 2],
      timers: clock.timers,
    });
    const graceSet = clock.scheduled();
    const running = sup.run();
    // attached_probes read: the grace starts, and until it ends the probes are not taken as live.
    await graceSet;
    expect(clock.set.map((t) => t.ms)).toEqual([3000]);
    expect(readyCount).toBe(0);
    expect(logs.join("\n")).not.toMatch(/did not confirm/);
    clock.set[0]?.fire();
    await ready;
    await sup.stop();
    await running;
    expect(readyCount).toBe(1);
    expect(logs.filter((l) => l.includes("did not confirm its probes attached"))).toHaveLength(1);
    expect(logs.join("\n")).toMatch(/env_keep/);
  });

  it("the marker arriving within the grace: ready then, and the grace cancelled", async () => {
    const clock = handTimers();
    const logs: string[] = [];
    let readyNow: () => void = () => {};
    const ready = new Promise<void>((r) => (readyNow = r));
    const sup = supervise(fakeBpftrace("b017-grace", "stdout"), {
      onAttached: () => readyNow(),
      log: (level, text) => logs.push(`${level}: ${text}`),
      bpftraceVersion: [0, 17, 0],
      timers: clock.timers,
    });
    const running = sup.run();
    await ready;
    await sup.stop();
    await running;
    expect(clock.set.map((t) => [t.ms, t.cancelled])).toEqual([[3000, true]]);
    expect(logs.join("\n")).not.toMatch(/did not confirm/);
  });

  it("0.24 prints attached_probes after attaching: that line is enough", async () => {
    expect((await order(fakeBpftrace("b024", "none"), [0, 24, 0]))[0]).toBe("READY");
  });
});

describe("announcesAfterAttach", () => {
  it.each([
    [[0, 17, 0], false],
    [[0, 23, 2], false],
    [[0, 24, 0], true],
    [[1, 0, 0], true],
    [null, false],
  ] as const)("%j → %s", (v, want) => {
    expect(announcesAfterAttach(v)).toBe(want);
  });
});
