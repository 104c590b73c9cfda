import type { HostFacts } from "../system/host.js";
import { fileDecoder } from "./file-decoder.js";
import { generateProgram, readTemplate, vfsCreateDentryArg, walkDepth } from "./generate.js";
import type { ProgramContext, Source } from "./source.js";

const KPROBES = ["security_inode_create", "vfs_create"] as const;

/**
 * The design's core: a kprobe on file creation (security_inode_create, and vfs_create where the
 * LSM hook is compiled out) whose program walks the new dentry's parents, unrolled, in the kernel.
 * Sees every file innd creates, so the storage methods that keep one file per article.
 */
export const kprobe: Source<"kprobe"> = {
  name: "kprobe",
  summary: "kprobe on file creation, the dentry's parent chain walked in the kernel (unrolled)",
  sees: ["tradspool", "timehash"],
  fallback: "tracepoint",
  check(host: HostFacts) {
    const k = host.kernel;
    if (!k.kprobes) return { ok: false, reason: "this kernel has no kprobes (CONFIG_KPROBES off)" };
    if (k.lockdown === "confidentiality") {
      return {
        ok: false,
        reason:
          "kernel lockdown=confidentiality forbids BPF reading kernel memory (the dentry walk)",
      };
    }
    if (!k.btf)
      return { ok: false, reason: "no kernel BTF (/sys/kernel/btf/vmlinux) to type struct dentry" };
    if (k.traceable && !k.traceable.security_inode_create && !k.traceable.vfs_create) {
      return { ok: false, reason: "neither security_inode_create nor vfs_create is traceable" };
    }
    return { ok: true, reason: `kprobes available, lockdown ${k.lockdown}, BTF present` };
  },
  program(ctx: ProgramContext) {
    const depth = walkDepth(ctx);
    const t = ctx.host.kernel.traceable;
    const kprobes = t ? KPROBES.filter((k) => t[k]) : KPROBES;
    const text = generateProgram(readTemplate(), {
      mode: "kprobe",
      comm: ctx.comm,
      uid: ctx.uid,
      depth,
      kprobes: kprobes.length > 0 ? kprobes : ["security_inode_create"],
      vfsCreateDentryArg: vfsCreateDentryArg(ctx.host.kernel.release),
    });
    return { source: "kprobe", text, depth, detail: `walk depth ${depth}` };
  },
  decoder: () => fileDecoder(),
};
