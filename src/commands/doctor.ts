import { access, constants } from "node:fs/promises";
import {
  chooseFor,
  gatherHost,
  loadSetup,
  methodsInUse,
  programContext,
  type Setup,
} from "../flow/setup.js";
import { walkDepth } from "../sources/generate.js";
import { bpftracePrivilege } from "../sources/privilege.js";
import { SOURCES } from "../sources/registry.js";
import type { Source } from "../sources/source.js";
import { pidsNamed, tracefsMounted } from "../system/facts.js";
import type { HostFacts } from "../system/host.js";
import { feedChecks } from "./doctor-feed.js";

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
  const host = await gatherHost(setup);
  const k = host.kernel;
  const innd = await pidsNamed(config.process);
  // storage.conf as setup read it (one parse, INN's own rules), every method named, trash too.
  const methods = setup.storage.ok
    ? [...new Set(setup.storage.classes.map((c) => c.method))]
    : null;
  const chosen = chooseFor(setup, host);
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
  if (bpftracePrivilege(config.bpftrace, process.getuid?.()) === null)
    problems.push(
      "not root: bpftrace needs root, or a bpftrace command that starts with sudo or doas",
    );
  const unseen = methodsInUse(setup.storage).filter((m) => !chosen.source.sees.includes(m));
  if (unseen.length > 0) {
    problems.push(
      `articles stored by ${unseen.join(", ")} cannot be seen by the ${chosen.source.name} source` +
        (config.mode === "auto" ? "" : ` (set in config: try mode: auto)`),
    );
  }
  if (!setup.storage.ok) problems.push(`storage.conf: ${setup.storage.problem}`);
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
    ...storageClassLines(setup, host, chosen.source),
    ...SOURCES.map((s): [string, string] => {
      const c = s.check(host);
      return [`source ${s.name}`, `${c.ok ? "can run" : "cannot run"}: ${c.reason}`];
    }),
    ["mode", `${chosen.source.name} (${chosen.reason})`],
    ...(await feedChecks(setup, problems)),
    ["unroll depth", `${depth} (kprobe mode)`],
  ];
  const width = Math.max(...lines.map(([k]) => k.length));
  for (const [key, value] of lines) opts.out.write(`${key.padEnd(width)}  ${value}\n`);
  for (const p of problems) opts.out.write(`PROBLEM: ${p}\n`);
  return problems.length === 0;
}

/** One line per storage.conf class: its method and groups, and which source sees its articles. */
function storageClassLines(setup: Setup, host: HostFacts, chosen: Source): [string, string][] {
  if (!setup.storage.ok) return [];
  return setup.storage.classes.map((c) => {
    const where = `${c.method} for ${c.newsgroups}`;
    if (c.method === "trash") return [`class ${c.class}`, `${where}: discarded, nothing to notify`];
    const seers = SOURCES.filter((s) => s.sees.includes(c.method));
    const runnable = seers.filter((s) => s.check(host).ok).map((s) => s.name);
    const seen = chosen.sees.includes(c.method)
      ? `seen by ${chosen.name} (the chosen source)`
      : `NOT seen by ${chosen.name}` +
        (runnable.length > 0
          ? `; ${runnable.join(" or ")} would`
          : seers.length > 0
            ? `; ${seers.map((s) => s.name).join(" or ")} would, but cannot run here`
            : "");
    return [`class ${c.class}`, `${where}: ${seen}`];
  });
}
