import type { HostFacts } from "../system/host.js";
import { STRLEN } from "./bpftrace.js";
import { generateProgram, readTemplate } from "./generate.js";
import type { ProgramContext, Source } from "./source.js";
import { uprobeDecoder } from "./uprobe-decode.js";

/**
 * A uprobe on innd's own InndHisWrite: called once per stored article, after the storage method
 * wrote it, with its Message-ID and INN's token, whatever the method, so it sees the CNFS and
 * timecaf articles no file probe can. An innd that does not export InndHisWrite (a custom build)
 * is traced on SMstore's return in libinnstorage instead (the token only).
 */
export const uprobe: Source = {
  name: "uprobe",
  summary:
    "uprobe on innd's InndHisWrite (or SMstore's return): Message-ID and token per stored article",
  sees: ["tradspool", "timehash", "timecaf", "cnfs"],
  check(host: HostFacts) {
    if (host.kernel.uprobes === false) {
      return { ok: false, reason: "this kernel has no uprobes (CONFIG_UPROBE_EVENTS off)" };
    }
    const innd = host.innd;
    if (!innd?.path) {
      return {
        ok: false,
        reason: `innd's binary was not found${innd?.problem ? ` (${innd.problem})` : ""}`,
      };
    }
    if (innd.hisWrite) return { ok: true, reason: `${innd.path} exports InndHisWrite` };
    if (innd.smStore && innd.storageLib) {
      return {
        ok: true,
        reason: `${innd.path} does not export InndHisWrite; ${innd.storageLib} exports SMstore`,
      };
    }
    return {
      ok: false,
      reason:
        `${innd.path} exports no InndHisWrite and ${innd.storageLib ?? "no libinnstorage found"} no SMstore ` +
        "(a static or stripped innd?): nothing for a uprobe to attach to",
    };
  },
  program(ctx: ProgramContext) {
    const innd = ctx.host.innd;
    const base = { comm: ctx.comm, depth: 4 } as const;
    if (innd?.path && (innd.hisWrite || !innd.smStore || !innd.storageLib)) {
      const text = generateProgram(readTemplate(), { ...base, mode: "uprobe", innd: innd.path });
      return { source: "uprobe", text, depth: 0, detail: `uprobe on ${innd.path}:InndHisWrite` };
    }
    const lib = innd?.storageLib ?? "";
    const text = generateProgram(readTemplate(), { ...base, mode: "smstore", libstorage: lib });
    return { source: "uprobe", text, depth: 0, detail: `uretprobe on ${lib}:SMstore` };
  },
  decoder: () => uprobeDecoder(STRLEN),
};
