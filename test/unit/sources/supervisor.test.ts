import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ATTACHED_MARKER, announcesAfterAttach } from "../../../src/sources/bpftrace.js";
import { sourceNamed } from "../../../src/sources/registry.js";
import { TraceSupervisor } from "../../../src/sources/supervisor.js";

// A fake bpftrace that behaves like 0.17-0.23: `attached_probes` first, then (the programs still
// loading) a line, then the after-attach marker on stderr (to 0.20) or stdout (later), then a line.
const dir = mkdtempSync(join(tmpdir(), "nn-supervisor-"));
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
      // The stderr marker must not overtake the stdout line before it (two pipes): a pause.
      marker === "stderr" ? "sleep 0.3" : "",
      emit,
      "echo 'probes live'",
      marker === "none" ? "exit 1" : "trap 'kill $!; exit 0' INT; sleep 30 & wait",
      "",
    ].join("\n"),
  );
  chmodSync(file, 0o755);
  return file;
}

/** Runs the supervisor until it is attached (or fails); the order of events and the ready moment. */
async function order(command: string, version: [number, number, number]): Promise<string[]> {
  const seen: string[] = [];
  let ready: () => void = () => {};
  const attached = new Promise<void>((r) => (ready = r));
  const sup = new TraceSupervisor({
    command: [command],
    source: sourceNamed("kprobe"),
    makeProgram: () => ({ source: "kprobe", text: "", detail: "walk depth 9", depth: 9 }),
    mayFallBack: false,
    onEvent: (ev) => {
      if (ev.kind === "problem") seen.push(ev.text.replace(/^bpftrace: /, ""));
    },
    onAttached: () => {
      seen.push("READY");
      ready();
    },
    log: () => {},
    bpftraceVersion: version,
  });
  const running = sup.run();
  await Promise.race([attached, running]);
  // Let the line after the ready moment arrive too, then stop.
  for (let i = 0; i < 100 && !seen.includes("probes live"); i++)
    await new Promise((r) => setTimeout(r, 20));
  await sup.stop();
  await running;
  return seen;
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
    let ready = 0;
    const t0 = Date.now();
    let readyAt = 0;
    const sup = new TraceSupervisor({
      command: [fakeBpftrace("stripped", "stripped")],
      source: sourceNamed("kprobe"),
      makeProgram: () => ({ source: "kprobe", text: "", detail: "walk depth 9", depth: 9 }),
      mayFallBack: false,
      onEvent: () => {},
      onAttached: () => {
        ready++;
        readyAt = Date.now() - t0;
      },
      log: (level, text) => logs.push(`${level}: ${text}`),
      bpftraceVersion: [0, 23, 2],
    });
    const running = sup.run();
    for (let i = 0; i < 300 && ready === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await sup.stop();
    await running;
    expect(ready).toBe(1);
    expect(readyAt).toBeGreaterThanOrEqual(2900);
    expect(logs.filter((l) => l.includes("did not confirm its probes attached"))).toHaveLength(1);
    expect(logs.join("\n")).toMatch(/env_keep/);
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
