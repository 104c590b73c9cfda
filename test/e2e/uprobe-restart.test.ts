import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseLine } from "../../src/sources/protocol.js";
import { chooseUprobe } from "../../src/sources/uprobe-check.js";
import { uprobeDecoder } from "../../src/sources/uprobe-decode.js";
import { inndBinaryFacts } from "../../src/system/innd-binary.js";
import { ensureGroup, newMessageId, post, requirePrerequisites } from "../helpers/inn.js";
import { inndRunning, restartInnd, startInnd, stopInnd } from "../helpers/storage-methods.js";

// A uprobe is set on the binary's inode, not on a process: innd restarted (same binary) under one
// bpftrace run keeps being traced, with no re-attach. Uses the machine's innd as configured.
const SECTIONS = readFileSync(
  new URL("../../scripts/uprobe-sections.bt.txt", import.meta.url),
  "utf8",
);

describe("uprobe on InndHisWrite across innd restarts", () => {
  let bpftrace: ChildProcess | null = null;
  const lines: string[] = [];
  let wasRunning = false;

  beforeAll(() => {
    requirePrerequisites();
    wasRunning = inndRunning();
    startInnd();
    ensureGroup("local.test");
  });

  afterAll(() => {
    bpftrace?.kill("SIGINT");
    if (!wasRunning) stopInnd();
  });

  it("sees articles stored before and after two restarts, each once", async () => {
    const choice = chooseUprobe(await inndBinaryFacts());
    if (!choice.ok || choice.section !== "uprobe")
      throw new Error(`no uprobe: ${JSON.stringify(choice)}`);
    const section = /\/\/@section uprobe\n([\s\S]*?)\/\/@end/.exec(SECTIONS)?.[1] ?? "";
    const text = section
      .replaceAll("__COMM__", "innd")
      .replaceAll("__INND__", choice.values.__INND__);
    bpftrace = spawn("bpftrace", ["-f", "json", "-e", text], {
      env: { ...process.env, BPFTRACE_STRLEN: "200" },
      stdio: ["ignore", "pipe", "ignore"],
    });
    const attached = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("bpftrace did not attach in 60 s")), 60_000);
      createInterface({ input: bpftrace?.stdout ?? process.stdin }).on("line", (l) => {
        lines.push(l);
        if (l.includes('"attached_probes"')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await attached;

    const ids: string[] = [];
    for (let round = 0; round < 3; round++) {
      if (round > 0) restartInnd();
      const id = newMessageId(`uprobe-restart-${round}`);
      post(
        `From: e2e <e2e@newsnotify.test>\nNewsgroups: local.test\nSubject: round ${round}\nMessage-ID: ${id}\n\nx\n`,
      );
      ids.push(id);
    }
    const seen = async () => {
      const d = uprobeDecoder(200);
      return lines.flatMap((l) => {
        const r = parseLine(l);
        return r ? d.push(r) : [];
      });
    };
    for (let i = 0; i < 50; i++) {
      if ((await seen()).filter((e) => e.kind === "stored").length >= 3) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const stored = (await seen()).flatMap((e) => (e.kind === "stored" ? [e.messageId] : []));
    expect(stored).toEqual(ids);
    const pids = new Set(
      lines.filter((l) => l.includes('"U ')).map((l) => /"U (\d+)/.exec(l)?.[1]),
    );
    expect(pids.size).toBe(3);
  });
});
