import { access, constants } from "node:fs/promises";
import { loadSetup, programContext } from "../flow/setup.js";
import { readStorageMethods } from "../inn/innconf.js";
import { walkDepth } from "../sources/generate.js";
import { chooseSource, SOURCES } from "../sources/registry.js";
import { fileMethods } from "../storage/registry.js";
import { hostFacts, pidsNamed, tracefsMounted } from "../system/facts.js";

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
  const host = await hostFacts(config.bpftrace);
  const k = host.kernel;
  const innd = await pidsNamed(config.process);
  const methods = await readStorageMethods(inn.etc);
  const chosen = chooseSource(config.mode, host);
  const root = process.getuid?.() === 0;
  const activeReadable = await access(config.activeFile, constants.R_OK).then(
    () => true,
    () => false,
  );
  const depth = walkDepth(await programContext(setup, host));
  const problems: string[] = [];
  if (!host.bpftrace)
    problems.push(
      `bpftrace cannot be run (${config.bpftrace.join(" ")}): apt-get install bpftrace`,
    );
  if (!root && config.bpftrace[0] !== "sudo")
    problems.push("not root: bpftrace needs root, or configure sudo");
  const seen = new Set(chosen.source.sees);
  const unseen = (methods ?? []).filter((m) => !seen.has(m));
  if (unseen.length > 0) {
    const files = fileMethods();
    problems.push(
      `storage method(s) ${unseen.join(", ")} cannot be seen by the ${chosen.source.name} source` +
        (unseen.some((m) => !files.includes(m as never))
          ? " (no file per article, or not yet supported by newsnotify)"
          : ""),
    );
  }
  const lines: [string, string][] = [
    ["kernel", k.release],
    ["bpftrace", host.bpftrace ? `bpftrace v${host.bpftrace.join(".")}` : "NOT FOUND"],
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
    ...SOURCES.map((s): [string, string] => {
      const c = s.check(host);
      return [`source ${s.name}`, `${c.ok ? "can run" : "cannot run"}: ${c.reason}`];
    }),
    ["mode", `${chosen.source.name} (${chosen.reason})`],
    ["unroll depth", `${depth} (kprobe mode)`],
  ];
  const width = Math.max(...lines.map(([k]) => k.length));
  for (const [key, value] of lines) opts.out.write(`${key.padEnd(width)}  ${value}\n`);
  for (const p of problems) opts.out.write(`PROBLEM: ${p}\n`);
  return problems.length === 0;
}
