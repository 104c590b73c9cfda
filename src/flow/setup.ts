import { readFile, realpath } from "node:fs/promises";
import { type Config, loadConfig } from "../config/schema.js";
import { deepestGroup, parseActive } from "../inn/active.js";
import { type InnPaths, innPaths } from "../inn/innconf.js";
import {
  generateProgram,
  readTemplate,
  type TraceMode,
  unrollDepth,
  vfsCreateDentryArg,
} from "../sources/generate.js";
import { legacySyscalls } from "../system/facts.js";
import type { KernelFacts } from "../system/mode.js";
import { errorMessage, UserError } from "../util/errors.js";

export interface Setup {
  config: Config;
  inn: InnPaths;
  /** The spool's real path: the kernel reports real paths, never symlinks. */
  spool: string;
}

/** Config file (or none) + INN's own paths → validated settings. Throws UserError / ConfigError. */
export async function loadSetup(configFile: string | undefined): Promise<Setup> {
  const inn = await innPaths();
  const config = await loadConfig(configFile, { spool: inn.spool, activeFile: inn.activeFile });
  let spool: string;
  try {
    spool = await realpath(config.spool);
  } catch (e) {
    throw new UserError(
      `spool ${config.spool} (${configFile ? `from ${configFile}` : `from ${inn.source}`}) cannot be read: ` +
        `${errorMessage(e)}. Is INN installed? Set "spool:" in the config file to its patharticles.`,
    );
  }
  return { config, inn, spool };
}

/** Deepest group in the active file (1 when it cannot be read: the margin then has to do). */
export async function activeDepth(activeFile: string): Promise<number> {
  try {
    return deepestGroup(parseActive(await readFile(activeFile, "utf8")));
  } catch {
    return 1;
  }
}

/** The concrete bpftrace program for this machine and config. */
export async function buildProgram(
  setup: Setup,
  mode: TraceMode,
  kernel: Pick<KernelFacts, "release" | "traceable">,
  depthOverride?: number,
): Promise<{ program: string; depth: number }> {
  const depth =
    depthOverride ??
    unrollDepth(setup.spool, await activeDepth(setup.config.activeFile), setup.config.depthMargin);
  const t = kernel.traceable;
  const kprobes = t
    ? (["security_inode_create", "vfs_create"] as const).filter((k) => t[k])
    : (["security_inode_create", "vfs_create"] as const);
  const program = generateProgram(readTemplate(), {
    mode,
    comm: setup.config.process,
    depth,
    kprobes: kprobes.length > 0 ? kprobes : ["security_inode_create"],
    vfsCreateDentryArg: vfsCreateDentryArg(kernel.release),
    legacySyscalls: legacySyscalls(),
  });
  return { program, depth };
}
