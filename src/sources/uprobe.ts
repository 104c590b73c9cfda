import type { HostFacts } from "../system/host.js";
import { STRLEN } from "./bpftrace.js";
import { generateProgram, readTemplate } from "./generate.js";
import type { ProgramContext, Source } from "./source.js";
import { chooseUprobe } from "./uprobe-check.js";
import { uprobeDecoder } from "./uprobe-decode.js";

/**
 * A uprobe on innd's own InndHisWrite: called once per stored article, after the storage method
 * wrote it, with its Message-ID and INN's token, whatever the method, so it sees the CNFS and
 * timecaf articles no file probe can. An innd that does not export InndHisWrite (a custom build)
 * is traced on SMstore's return in libinnstorage instead (the token only; x86-64).
 */
export const uprobe: Source<"uprobe"> = {
  name: "uprobe",
  summary:
    "uprobe on innd's InndHisWrite (or SMstore's return): Message-ID and token per stored article",
  sees: ["tradspool", "timehash", "timecaf", "cnfs"],
  check(host: HostFacts) {
    if (host.kernel.uprobes === false) {
      return { ok: false, reason: "this kernel has no uprobes (CONFIG_UPROBE_EVENTS off)" };
    }
    if (!host.innd) return { ok: false, reason: "innd's binary was not inspected" };
    const c = chooseUprobe(host.innd);
    return c.ok ? { ok: true, reason: c.detail } : { ok: false, reason: c.reason };
  },
  program(ctx: ProgramContext) {
    const c = ctx.host.innd ? chooseUprobe(ctx.host.innd) : null;
    if (!c?.ok) throw new Error(`no uprobe program for this innd: ${c?.reason ?? "not inspected"}`);
    const base = { comm: ctx.comm, uid: ctx.uid, depth: 4 } as const;
    if (c.section === "uprobe") {
      const innd = c.values.__INND__;
      const text = generateProgram(readTemplate(), { ...base, mode: "uprobe", innd });
      return { source: "uprobe", text, depth: 0, detail: c.detail, binary: innd };
    }
    const lib = c.values.__LIBSTORAGE__;
    const text = generateProgram(readTemplate(), { ...base, mode: "smstore", libstorage: lib });
    return { source: "uprobe", text, depth: 0, detail: c.detail, binary: lib };
  },
  decoder: () => uprobeDecoder(STRLEN),
};
