import { readFile, realpath } from "node:fs/promises";
import { join } from "node:path";
import { type Config, loadConfig } from "../config/schema.js";
import { deepestGroup, parseActive } from "../inn/active.js";
import { type InnPaths, innPaths } from "../inn/innconf.js";
import { type NntpServer, readNntpServer } from "../inn/nntp-server.js";
import { readPasswdNntp } from "../inn/passwd-nntp.js";
import { matchGroups, readStorageConf, type StorageConf } from "../inn/storage-conf.js";
import { INN_DEFAULT_STORAGE_METHOD, type InnStorageMethod } from "../inn/storage-methods.js";
import { TradspoolGroups } from "../inn/tradspool-map.js";
import { compileWildmat } from "../inn/wildmat.js";
import { chooseSource, type SourceChoice, type SourceSetting } from "../sources/registry.js";
import type { ProgramContext } from "../sources/source.js";
import type { StorageContext } from "../storage/method.js";
import { localOverview } from "../storage/nntp-overview.js";
import type { NntpLogin, NntpOptions } from "../storage/nntp-reader.js";
import { TokenReader } from "../storage/token-reader.js";
import { hostFacts } from "../system/facts.js";
import type { HostFacts } from "../system/host.js";
import { type InndWant, ownInnd } from "../system/innd-process.js";
import { lookupUser } from "../system/users.js";
import { EXIT, errorMessage, UserError } from "../util/errors.js";
import type { RunAsUser } from "../util/trusted-program.js";

export interface Setup {
  config: Config;
  inn: InnPaths;
  /** The spool's real path: the kernel reports real paths, never symlinks. */
  spool: string;
  /** INN's storage.conf: which method stores which groups (innd must be restarted to change it). */
  storage: StorageConf;
  /**
   * INN's user (inn.conf runasuser and runasgroup; news): innd runs as it, the probes filter on its
   * uid, and INN's programs that root cannot trust run as it. Null when there is no such user.
   */
  innUser: RunAsUser | null;
  /** Where innd answers readers (inn.conf port, bindaddress), for catch-up's overview reads. */
  nntp: NntpServer;
}

/** Config file (or none) + INN's own paths → validated settings. Throws UserError / ConfigError. */
export async function loadSetup(configFile: string | undefined): Promise<Setup> {
  const { setup, spoolProblem } = await readSetup(configFile);
  if (spoolProblem !== null) throw new UserError(spoolProblem, EXIT.prerequisite);
  return setup;
}

/**
 * loadSetup without giving up on an unreadable spool (INN not installed yet), for `doctor`, which
 * reports everything else too: `spool` is then the configured path and `spoolProblem` says why.
 * Still throws ConfigError for a config file that does not load.
 */
export async function readSetup(
  configFile: string | undefined,
): Promise<{ setup: Setup; spoolProblem: string | null }> {
  // innconfval runs before inn.conf names INN's user: an untrusted one runs as news, INN's default.
  const news = await lookupUser("news");
  const inn = await innPaths(news);
  const innUser =
    inn.user === "news" && (inn.group === "news" || news === null)
      ? news
      : await lookupUser(inn.user, inn.group);
  const config = await loadConfig(configFile, { spool: inn.spool, activeFile: inn.activeFile });
  let spool = config.spool;
  let spoolProblem: string | null = null;
  try {
    spool = await realpath(config.spool);
  } catch (e) {
    spoolProblem =
      `spool ${config.spool} (${configFile ? `from ${configFile}` : `from ${inn.source}`}) cannot be read: ` +
      `${errorMessage(e)}. Is INN installed? Set "spool:" in the config file to its patharticles.`;
  }
  const [storage, nntp] = await Promise.all([
    readStorageConf(inn.etc),
    readNntpServer(inn.bin, innUser),
  ]);
  const setup = { config, inn, spool, storage, innUser, nntp };
  return { setup, spoolProblem };
}

/** The storage methods storage.conf sends articles to (trash stores nothing); [] when unknown. */
export function methodsInUse(storage: StorageConf): InnStorageMethod[] {
  if (!storage.ok) return [];
  return [...new Set(storage.classes.map((c) => c.method).filter((m) => m !== "trash"))];
}

/** What storage methods need to turn a token or a path into an article, and catch-up to find them. */
export function storageContext(setup: Setup): StorageContext {
  const { inn, storage } = setup;
  return {
    spool: setup.spool,
    tradspoolGroups: new TradspoolGroups(inn.pathspool),
    tokenReader: new TokenReader({ bin: join(inn.bin, "sm"), runAs: setup.innUser }),
    overview: localOverview(inn.bin, setup.innUser, catchUpNntp(setup)),
    methodsFor: (group) => methodsForGroup(storage, group),
  };
}

/**
 * How catch-up reaches the local server: the config's catchUp.nntp, else inn.conf's port and
 * bindaddress; credentials (asked only when the server answers 480) from the config, else the
 * server's line in INN's passwd.nntp unless the config says passwdNntp: false.
 */
export function catchUpNntp(setup: Setup): NntpOptions & { host: string; port: number } {
  const c = setup.config.catchUp.nntp;
  const host = c?.host ?? setup.nntp.host;
  const port = c?.port ?? setup.nntp.port;
  return { host, port, login: () => nntpLogin(setup, host) };
}

/** The credentials catch-up would use, and where they come from (null: none configured). */
export async function nntpLogin(setup: Setup, host: string): Promise<NntpLogin | null> {
  const c = setup.config.catchUp.nntp;
  if (c?.user !== undefined && c.password !== undefined)
    return { user: c.user, password: c.password, source: "the config's catchUp.nntp" };
  if (c?.passwdNntp === false) return null;
  const names = [setup.nntp.name, host, "localhost"].filter((n): n is string => !!n);
  const { credentials, problem } = await readPasswdNntp(setup.inn.etc, names);
  if (problem) throw new UserError(`INN's passwd.nntp cannot be read: ${problem}`, EXIT.permission);
  return credentials;
}

/**
 * The methods storage.conf may store an article of `group` with: the classes whose newsgroups match
 * it, in order, up to the first that has no size or expires condition (that one takes everything
 * left). Unknown storage.conf, or no class matches: INN's default method.
 */
export function methodsForGroup(storage: StorageConf, group: string): InnStorageMethod[] {
  if (!storage.ok) return [INN_DEFAULT_STORAGE_METHOD];
  const wildmat = (text: string, pattern: string) => compileWildmat(pattern).test(text);
  const methods = new Set<InnStorageMethod>();
  for (const c of storage.classes) {
    if (!matchGroups([group], c.newsgroups, c.exactmatch, wildmat)) continue;
    methods.add(c.method);
    const conditional = c.size.min > 0 || c.size.max > 0 || c.expires.min > 0 || c.expires.max > 0;
    if (!conditional) break;
  }
  return methods.size > 0 ? [...methods] : [INN_DEFAULT_STORAGE_METHOD];
}

/** Deepest group in the active file (1 when it cannot be read: the margin then has to do). */
export async function activeDepth(activeFile: string): Promise<number> {
  try {
    return deepestGroup(parseActive(await readFile(activeFile, "utf8")));
  } catch {
    return 1;
  }
}

/** What a source needs to generate its program, read now (the active file changes as groups come). */
export async function programContext(
  setup: Setup,
  host: HostFacts,
  depthOverride?: number,
): Promise<ProgramContext> {
  return {
    comm: setup.config.process,
    uid: inndUid(setup),
    spool: setup.spool,
    deepestGroup: await activeDepth(setup.config.activeFile),
    depthMargin: setup.config.depthMargin,
    host,
    ...(depthOverride !== undefined ? { depthOverride } : {}),
  };
}

/** The uid innd runs as (INN's user), which every probe filters on. */
export function inndUid(setup: Setup): number {
  if (setup.innUser) return setup.innUser.uid;
  throw new UserError(
    `INN's user ${JSON.stringify(setup.inn.user)} (inn.conf runasuser) does not exist here, so ` +
      "newsnotify cannot tell innd from another process named innd. Is INN installed? " +
      `(checked with getent passwd ${setup.inn.user})`,
    EXIT.prerequisite,
  );
}

/** What makes a process this INN's innd (its pid file, name, user and binary); null without a user. */
export function inndWant(setup: Setup): InndWant | null {
  if (!setup.innUser) return null;
  return { comm: setup.config.process, uid: setup.innUser.uid, pathbin: setup.inn.bin };
}

/** This INN's running innd as its pid file names it, checked, or why there is none. */
export async function ownInndPids(setup: Setup): Promise<{ pids: number[]; notRunning?: string }> {
  const want = inndWant(setup);
  if (!want) return { pids: [], notRunning: `INN's user ${setup.inn.user} does not exist` };
  const own = await ownInnd(setup.inn.run, want);
  return own.ok ? { pids: [own.pid] } : { pids: [], notRunning: own.reason };
}

/** What this host offers the sources (kernel, bpftrace, innd's binary), read once per command. */
export async function gatherHost(setup: Setup): Promise<HostFacts> {
  return hostFacts(setup.config.bpftrace, await ownInndPids(setup));
}

/** The source to run for this setup (mode, or `setting` from the command line) on this host. */
export function chooseFor(setup: Setup, host: HostFacts, setting?: SourceSetting): SourceChoice {
  return chooseSource(setting ?? setup.config.mode, host, methodsInUse(setup.storage));
}
