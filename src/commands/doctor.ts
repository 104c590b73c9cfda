import { access, constants, readFile } from "node:fs/promises";
import {
  catchUpNntp,
  chooseFor,
  gatherHost,
  methodsInUse,
  programContext,
  readSetup,
  type Setup,
} from "../flow/setup.js";
import { walkDepth } from "../sources/generate.js";
import { bpftracePrivilege } from "../sources/privilege.js";
import { SOURCES } from "../sources/registry.js";
import type { Source } from "../sources/source.js";
import { NntpError, NntpReader } from "../storage/nntp-reader.js";
import { storageMethodNamed } from "../storage/registry.js";
import { pidsNamed, tracefsInMountTable, tracefsMounted } from "../system/facts.js";
import type { HostFacts } from "../system/host.js";
import { errorMessage } from "../util/errors.js";
import {
  activeLine,
  allProblems,
  bpftraceLine,
  type DoctorLine,
  inndLine,
  innPathsLine,
  type NntpProbe,
  nntpLine,
  renderDoctor,
  rootLine,
  spoolLine,
  tracefsLine,
} from "./doctor-checks.js";
import { feedChecks } from "./doctor-feed.js";

export interface DoctorOptions {
  config?: string;
  /** Which config file was chosen and why (cli.ts, config/default-path.ts). */
  configSaid?: string;
  out: NodeJS.WritableStream;
}

/**
 * `newsnotify doctor`: what this machine offers and what `watch` would do, one fact per line, every
 * line it can print even when INN, bpftrace, tracefs or root is missing (each such line says what to
 * do). Only reads; returns false when something would stop `watch` from working.
 */
export async function doctor(opts: DoctorOptions): Promise<boolean> {
  const { setup, spoolProblem } = await readSetup(opts.config);
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
  // Without INN's user (no INN yet) there is no program to size: say why instead of stopping.
  const depth = await programContext(setup, host).then(
    (ctx) => `${walkDepth(ctx)} (kprobe mode)`,
    (e: unknown) => `unknown (${errorMessage(e)})`,
  );
  const problems: string[] = [];
  const unseen = methodsInUse(setup.storage).filter((m) => !chosen.source.sees.includes(m));
  if (unseen.length > 0) {
    problems.push(
      `articles stored by ${unseen.join(", ")} cannot be seen by the ${chosen.source.name} source` +
        (config.mode === "auto" ? "" : ` (set in config: try mode: auto)`),
    );
  }
  if (!setup.storage.ok) problems.push(`storage.conf: ${setup.storage.problem}`);
  const tracefs = tracefsMounted() || (await tracefsInMountTable());
  const privilege = bpftracePrivilege(config.bpftrace, process.getuid?.());
  const lines: DoctorLine[] = [
    ...(opts.configSaid
      ? [{ key: "config", value: opts.configSaid.replace(/^config: /, "") }]
      : []),
    { key: "kernel", value: k.release },
    bpftraceLine(host.bpftrace, config.bpftrace),
    { key: "kprobes", value: k.kprobes ? "available" : "not available (CONFIG_KPROBES off)" },
    {
      key: "kprobe functions",
      value: k.traceable
        ? `security_inode_create ${k.traceable.security_inode_create ? "yes" : "no"}, vfs_create ${k.traceable.vfs_create ? "yes" : "no"}`
        : `unknown${tracefs ? "" : " (tracefs not mounted)"}`,
    },
    {
      key: "lockdown",
      value: k.lockdown === "unknown" ? "unknown (securityfs not mounted?)" : k.lockdown,
    },
    { key: "BTF", value: k.btf ? "yes" : "no" },
    tracefsLine(tracefs, host.tracefs),
    rootLine(root, root ? null : privilege),
    inndLine(innd, `no process named ${config.process}`),
    innPathsLine(inn.source),
    spoolLine(config.spool, setup.spool, spoolProblem),
    activeLine(config.activeFile, activeReadable),
    {
      key: "storage methods",
      value: methods ? methods.join(", ") || "none found" : "storage.conf not readable",
    },
    ...storageClassLines(setup, host, chosen.source).map(([key, value]) => ({ key, value })),
    ...SOURCES.map((s): DoctorLine => {
      const c = s.check(host);
      return { key: `source ${s.name}`, value: `${c.ok ? "can run" : "cannot run"}: ${c.reason}` };
    }),
    { key: "mode", value: `${chosen.source.name} (${chosen.reason})` },
    ...(await feedChecks(setup, problems)).map(([key, value]): DoctorLine => ({ key, value })),
    { key: "unroll depth", value: depth },
    nntpLine(await probeNntp(setup), needsOverview(setup)),
  ];
  opts.out.write(renderDoctor(lines, problems));
  return allProblems(lines, problems).length === 0;
}

/** The methods in use whose catch-up reads the overview through NNTP (all but tradspool). */
function needsOverview(setup: Setup): string[] {
  return methodsInUse(setup.storage).filter((m) => !storageMethodNamed(m)?.byNumber);
}

/**
 * Connects as catch-up does (catchUpNntp) and asks for a group, so that readers.conf's rules apply:
 * a 480 authenticates with catch-up's credentials, exactly as catch-up would.
 */
async function probeNntp(setup: Setup): Promise<NntpProbe> {
  const opts = { ...catchUpNntp(setup), timeoutMs: 10_000 };
  const where = opts.host.includes(":")
    ? `[${opts.host}]:${opts.port}`
    : `${opts.host}:${opts.port}`;
  const group = await readFile(setup.config.activeFile, "latin1").then(
    (t) => t.split(" ", 1)[0] || "control",
    () => "control",
  );
  let reader: NntpReader | null = null;
  try {
    reader = await NntpReader.open(opts);
    await reader.group(group);
    return { ok: true, where, user: reader.authenticatedAs };
  } catch (e) {
    const code = e instanceof NntpError ? e.code : null;
    return { ok: false, where, error: errorMessage(e), code };
  } finally {
    reader?.close();
  }
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
