import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { release } from "node:os";
import { promisify } from "node:util";
import { readPseudoFile } from "../util/pseudo-file.js";
import type { HostFacts } from "./host.js";
import { type InndBinaryOptions, inndBinaryFacts } from "./innd-binary.js";

export { pidsNamed } from "./processes.js";

import type { KernelFacts } from "./kernel.js";

const run = promisify(execFile);

export const TRACEFS = "/sys/kernel/tracing";

/** Reads what the running kernel offers for tracing. Only reads; mounting is `ensureTracefs`. */
export async function kernelFacts(): Promise<KernelFacts> {
  const kprobes =
    existsSync("/sys/bus/event_source/devices/kprobe") || existsSync(`${TRACEFS}/kprobe_events`);
  return {
    release: release(),
    kprobes,
    uprobes:
      existsSync("/sys/bus/event_source/devices/uprobe") || existsSync(`${TRACEFS}/uprobe_events`),
    lockdown: await lockdown(),
    btf: existsSync("/sys/kernel/btf/vmlinux"),
    traceable: kprobes ? await traceableFunctions() : null,
  };
}

async function lockdown(): Promise<KernelFacts["lockdown"]> {
  try {
    const text = await readFile("/sys/kernel/security/lockdown", "utf8");
    const active = /\[(\w+)\]/.exec(text)?.[1];
    if (active === "none" || active === "integrity" || active === "confidentiality") return active;
  } catch {
    // securityfs not mounted or no LSM lockdown: cannot tell.
  }
  return "unknown";
}

async function traceableFunctions(): Promise<KernelFacts["traceable"]> {
  try {
    const text = await readPseudoFile(`${TRACEFS}/available_filter_functions`);
    return {
      security_inode_create: /^security_inode_create\b/m.test(text),
      vfs_create: /^vfs_create\b/m.test(text),
    };
  } catch {
    return null;
  }
}

/** True when the syscall tracepoints bpftrace needs are visible (tracefs mounted). */
export function tracefsMounted(): boolean {
  return existsSync(`${TRACEFS}/events/syscalls`);
}

/**
 * tracefs in this mount namespace's table: a user other than root cannot look inside it (0700), so
 * for them the mount table is what tells "mounted" from "not mounted". Read to its end (node 18's
 * readFile stops early on a file the kernel sizes 0).
 */
export async function tracefsInMountTable(): Promise<boolean> {
  const mounts = await readPseudoFile("/proc/self/mounts").catch(() => "");
  return mounts.split("\n").some((l) => {
    const [, dir, type] = l.split(" ");
    return type === "tracefs" && dir === TRACEFS;
  });
}

/** bpftrace's version line, or null when it cannot be run. */
export async function bpftraceVersion(argv: readonly string[]): Promise<string | null> {
  const [cmd, ...pre] = argv;
  if (!cmd) return null;
  try {
    const { stdout } = await run(cmd, [...pre, "--version"], { timeout: 10_000 });
    return stdout.trim();
  } catch {
    return null;
  }
}

/** Whether the open and creat syscalls exist here (x86_64 yes; arm64 has only openat/openat2). */
export function legacySyscalls(): { open: boolean; creat: boolean } {
  if (!tracefsMounted()) return { open: process.arch === "x64", creat: process.arch === "x64" };
  return {
    open: existsSync(`${TRACEFS}/events/syscalls/sys_enter_open`),
    creat: existsSync(`${TRACEFS}/events/syscalls/sys_enter_creat`),
  };
}

/** bpftrace needs tracefs for tracepoints and kprobes; a fresh boot of some systems lacks it. */
export async function ensureTracefs(): Promise<string | null> {
  if (tracefsMounted()) return null;
  await run("mount", ["-t", "tracefs", "tracefs", TRACEFS], { timeout: 10_000 });
  return `mounted tracefs at ${TRACEFS} (bpftrace needs it)`;
}

/** "bpftrace v0.17.0" → [0, 17, 0]; null when the line says no version. */
export function parseBpftraceVersion(line: string | null): [number, number, number] | null {
  const m = /v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(line ?? "");
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : null;
}

/** Everything the sources' checks read, gathered once (only reads: mounting tracefs is ensureTracefs). */
export async function hostFacts(
  bpftrace: readonly string[],
  innd: InndBinaryOptions,
): Promise<HostFacts> {
  const [kernel, version, binary] = await Promise.all([
    kernelFacts(),
    bpftraceVersion(bpftrace),
    inndBinaryFacts(innd),
  ]);
  return {
    kernel,
    innd: binary,
    bpftrace: parseBpftraceVersion(version),
    // As root, watch mounts it itself; through sudo it must already be there.
    tracefs: tracefsMounted() || (process.getuid?.() === 0 && bpftrace[0] !== "sudo"),
    syscalls: legacySyscalls(),
  };
}
