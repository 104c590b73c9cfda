import type { KernelFacts } from "./kernel.js";

/** What innd's binary offers a uprobe (read from its ELF dynamic symbols). */
export interface InndBinaryFacts {
  /** innd's binary (from the running process's /proc/PID/exe, else INN's own paths); null if none found. */
  path: string | null;
  /** innd exports InndHisWrite (called once per stored article, any storage method). */
  hisWrite: boolean;
  /** The libinnstorage innd loads, and whether it exports SMstore (the fallback probe). */
  storageLib: string | null;
  smStore: boolean;
  /** Why the binary could not be read, when it could not. */
  problem?: string;
}

/** Everything the sources' "can it run here" checks look at, gathered once by system/facts.ts. */
export interface HostFacts {
  kernel: KernelFacts;
  /** innd's binary, for the uprobe source (absent when not inspected). */
  innd?: InndBinaryFacts;
  /** bpftrace's version as [major, minor, patch], null when unknown. */
  bpftrace: [number, number, number] | null;
  /** tracefs mounted (or mountable by us: we are root). */
  tracefs: boolean;
  /** Whether the open and creat syscalls exist here (x86_64 yes; arm64 has only openat/openat2). */
  syscalls: { open: boolean; creat: boolean };
}
