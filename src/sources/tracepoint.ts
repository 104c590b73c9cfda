import type { HostFacts } from "../system/host.js";
import { fileDecoder } from "./file-decoder.js";
import { generateProgram, readTemplate, walkDepth } from "./generate.js";
import type { ProgramContext, Source } from "./source.js";

/**
 * The syscall tracepoints (open, openat, openat2, creat with O_CREAT): the path as innd passed it,
 * read from innd's memory. Runs where kprobes cannot (no CONFIG_KPROBES, lockdown).
 */
export const tracepoint: Source<"tracepoint"> = {
  name: "tracepoint",
  summary: "syscall tracepoints on open(O_CREAT): the path as innd passed it",
  sees: ["tradspool", "timehash"],
  check(host: HostFacts) {
    if (!host.tracefs) {
      return { ok: false, reason: "tracefs is not mounted (and we cannot mount it: not root)" };
    }
    return { ok: true, reason: "syscall tracepoints need only tracefs" };
  },
  program(ctx: ProgramContext) {
    const text = generateProgram(readTemplate(), {
      mode: "tracepoint",
      comm: ctx.comm,
      uid: ctx.uid,
      // No walk in this program; the depth is validated and named in its header all the same.
      depth: walkDepth(ctx),
      legacySyscalls: ctx.host.syscalls,
    });
    return { source: "tracepoint", text, depth: 0, detail: "openat/creat tracepoints" };
  },
  decoder: () => fileDecoder(),
};
