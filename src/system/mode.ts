import type { TraceMode } from "../sources/generate.js";

/** What the kernel offers, as far as choosing a trace mode goes. */
export interface KernelFacts {
  release: string;
  /** kprobes can be attached (perf kprobe PMU or tracefs kprobe_events present). */
  kprobes: boolean;
  /** Active lockdown level, or "unknown" when securityfs could not be read. */
  lockdown: "none" | "integrity" | "confidentiality" | "unknown";
  /** /sys/kernel/btf/vmlinux: bpftrace knows struct dentry without kernel headers. */
  btf: boolean;
  /** Which of the kprobe functions the kernel can trace; null when tracefs did not say. */
  traceable: { security_inode_create: boolean; vfs_create: boolean } | null;
}

export type ModeSetting = TraceMode | "auto";

/** Pure: the configured mode and the kernel's facts → the mode to run, and why. */
export function chooseMode(
  setting: ModeSetting,
  k: KernelFacts,
): { mode: TraceMode; reason: string } {
  if (setting !== "auto") return { mode: setting, reason: "set in config" };
  if (!k.kprobes) {
    return { mode: "tracepoint", reason: "this kernel has no kprobes (CONFIG_KPROBES off)" };
  }
  if (k.lockdown === "confidentiality") {
    return {
      mode: "tracepoint",
      reason: "kernel lockdown=confidentiality forbids BPF reading kernel memory (the dentry walk)",
    };
  }
  if (!k.btf) {
    return {
      mode: "tracepoint",
      reason: "no kernel BTF (/sys/kernel/btf/vmlinux) to type struct dentry",
    };
  }
  if (k.traceable && !k.traceable.security_inode_create && !k.traceable.vfs_create) {
    return {
      mode: "tracepoint",
      reason: "neither security_inode_create nor vfs_create is traceable",
    };
  }
  return { mode: "kprobe", reason: `kprobes available, lockdown ${k.lockdown}, BTF present` };
}
