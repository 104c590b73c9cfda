/** What the kernel offers, as far as choosing a detection source goes. */
export interface KernelFacts {
  release: string;
  /** kprobes can be attached (perf kprobe PMU or tracefs kprobe_events present). */
  kprobes: boolean;
  /** uprobes can be attached (perf uprobe PMU or tracefs uprobe_events); absent means unknown. */
  uprobes?: boolean;
  /** Active lockdown level, or "unknown" when securityfs could not be read. */
  lockdown: "none" | "integrity" | "confidentiality" | "unknown";
  /** /sys/kernel/btf/vmlinux: bpftrace knows struct dentry without kernel headers. */
  btf: boolean;
  /** Which of the kprobe functions the kernel can trace; null when tracefs did not say. */
  traceable: { security_inode_create: boolean; vfs_create: boolean } | null;
}
