/**
 * readPseudoFile reads a kernel file that reports 0 bytes whole. node 18's fs.promises.readFile
 * returned only the first 4,071 bytes of /proc/kallsyms (Debian 12's nodejs 18.20.4), which cut
 * tracefs' function list: the kprobe source was then judged impossible on a kernel that has it.
 */
import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import { expect, it } from "vitest";
import { readPseudoFile } from "../../../src/util/pseudo-file.js";

/** The kernel's own symbols: a BPF program loaded or unloaded meanwhile adds or removes a `[bpf]` line. */
const kernelLines = (text: string) => text.split("\n").filter((l) => !l.endsWith("[bpf]"));

it("reads /proc/kallsyms, which reports 0 bytes and holds many chunks' worth, to its end", async () => {
  expect(statSync("/proc/kallsyms").size).toBe(0);
  const whole = execFileSync("cat", ["/proc/kallsyms"], {
    encoding: "latin1",
    maxBuffer: 1 << 28,
  });
  expect(whole.length).toBeGreaterThan(4 * 64 * 1024);
  const read = await readPseudoFile("/proc/kallsyms", "latin1");
  expect(read.endsWith("\n")).toBe(true);
  expect(kernelLines(read)).toEqual(kernelLines(whole));
});

it("reads a short one the same way", async () => {
  expect(await readPseudoFile("/proc/sys/kernel/ostype")).toBe("Linux\n");
});
