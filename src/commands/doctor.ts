import { access, constants } from "node:fs/promises";
import { activeDepth, loadSetup } from "../flow/setup.js";
import { readStorageMethods } from "../inn/innconf.js";
import { unrollDepth } from "../sources/generate.js";
import { bpftraceVersion, kernelFacts, pidsNamed, tracefsMounted } from "../system/facts.js";
import { chooseMode } from "../system/mode.js";

export interface DoctorOptions {
  config?: string;
  out: NodeJS.WritableStream;
}

/**
 * `newsnotify doctor`: what this machine offers and what `watch` would do, one fact per line. Only
 * reads; returns false when something would stop `watch` from working.
 */
export async function doctor(opts: DoctorOptions): Promise<boolean> {
  const setup = await loadSetup(opts.config);
  const { config, inn } = setup;
  const k = await kernelFacts();
  const bpf = await bpftraceVersion(config.bpftrace);
  const innd = await pidsNamed(config.process);
  const methods = await readStorageMethods(inn.etc);
  const chosen = chooseMode(config.mode, k);
  const root = process.getuid?.() === 0;
  const activeReadable = await access(config.activeFile, constants.R_OK).then(
    () => true,
    () => false,
  );
  const depth = unrollDepth(setup.spool, await activeDepth(config.activeFile), config.depthMargin);
  const problems: string[] = [];
  if (!bpf)
    problems.push(
      `bpftrace cannot be run (${config.bpftrace.join(" ")}): apt-get install bpftrace`,
    );
  if (!root && config.bpftrace[0] !== "sudo")
    problems.push("not root: bpftrace needs root, or configure sudo");
  if (methods && !methods.includes("tradspool") && !methods.includes("timehash")) {
    problems.push(
      `storage methods ${methods.join(", ")} keep no file per article: nothing to trace`,
    );
  }
  const lines: [string, string][] = [
    ["kernel", k.release],
    ["bpftrace", bpf ?? "NOT FOUND"],
    ["kprobes", k.kprobes ? "available" : "not available (CONFIG_KPROBES off)"],
    [
      "kprobe functions",
      k.traceable
        ? `security_inode_create ${k.traceable.security_inode_create ? "yes" : "no"}, vfs_create ${k.traceable.vfs_create ? "yes" : "no"}`
        : "unknown",
    ],
    ["lockdown", k.lockdown === "unknown" ? "unknown (securityfs not mounted?)" : k.lockdown],
    ["BTF", k.btf ? "yes" : "no"],
    ["tracefs", tracefsMounted() ? "mounted" : "not mounted (watch mounts it)"],
    ["running as root", root ? "yes" : "no"],
    [
      "innd",
      innd.length > 0 ? `running (pid ${innd.join(", ")})` : `no process named ${config.process}`,
    ],
    ["INN paths from", inn.source],
    [
      "spool",
      `${config.spool}${setup.spool !== config.spool ? ` (real path ${setup.spool})` : ""}`,
    ],
    ["active file", `${config.activeFile}${activeReadable ? "" : " (NOT READABLE)"}`],
    ["storage methods", methods ? methods.join(", ") || "none found" : "storage.conf not readable"],
    ["mode", `${chosen.mode} (${chosen.reason})`],
    ["unroll depth", `${depth} (kprobe mode)`],
  ];
  const width = Math.max(...lines.map(([k]) => k.length));
  for (const [key, value] of lines) opts.out.write(`${key.padEnd(width)}  ${value}\n`);
  for (const p of problems) opts.out.write(`PROBLEM: ${p}\n`);
  return problems.length === 0;
}
