/**
 * readPseudoFile reads a kernel file that reports 0 bytes whole. node 18's fs.promises.readFile
 * returned only the first 4,071 bytes of /proc/kallsyms (Debian 12's nodejs 18.20.4), which cut
 * tracefs' function list: the kprobe source was then judged impossible on a kernel that has it.
 */
import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import { expect, it } from "vitest";
import { readPseudoFile } from "../../../src/util/pseudo-file.js";

it("reads /proc/kallsyms, which reports 0 bytes and holds many chunks' worth, to its end", async () => {
  expect(statSync("/proc/kallsyms").size).toBe(0);
  const bytes = Number(
    execFileSync("sh", ["-c", "wc -c < /proc/kallsyms"], { encoding: "utf8" }).trim(),
  );
  expect(bytes).toBeGreaterThan(4 * 64 * 1024);
  expect((await readPseudoFile("/proc/kallsyms", "latin1")).length).toBe(bytes);
});

it("reads a short one the same way", async () => {
  expect(await readPseudoFile("/proc/sys/kernel/ostype")).toBe("Linux\n");
});
