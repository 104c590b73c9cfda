import { existsSync } from "node:fs";
import { readlink, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { readPseudoFile } from "../util/pseudo-file.js";
import { ElfError, type ElfInfo, readElf } from "./elf.js";
import type { InndBinaryFacts } from "./host.js";

/** Where the dynamic linker (and INN's own builds) would find libinnstorage after the runpath. */
const LIB_DIRS = [
  "/usr/lib/news",
  "/usr/local/news/lib",
  "/opt/inn/lib",
  "/usr/lib/x86_64-linux-gnu",
  "/usr/lib/aarch64-linux-gnu",
  "/usr/lib64",
  "/usr/lib",
  "/lib",
];

export const HIS_WRITE = "InndHisWrite";
export const SM_STORE = "SMstore";

export interface InndBinaryOptions {
  /** This INN's innd (innd-process.ts ownInnd: its pid file, name, user and binary checked). */
  pids: number[];
  /** Why there is none (what ownInnd said), for the problem the uprobe source reports. */
  notRunning?: string;
  /** For tests: the /proc to read. */
  proc?: string;
}

/**
 * What innd's binary offers a uprobe: the running innd's own binary and the libinnstorage it has
 * mapped (/proc/PID/exe, /proc/PID/maps), or innd's DT_NEEDED; then whether they define
 * InndHisWrite and SMstore. Only the binary of the innd that INN's pid file names is read: never
 * one found by process name, which any local user can choose. Never throws: what could not be read
 * is in `problem`.
 */
export async function inndBinaryFacts(opts: InndBinaryOptions): Promise<InndBinaryFacts> {
  const proc = opts.proc ?? "/proc";
  const pids = opts.pids;
  const problems: string[] = [];

  let path: string | null = null;
  let storageLib: string | null = null;
  for (const pid of pids) {
    const running = await fromProcess(proc, pid);
    if (running.problem) problems.push(running.problem);
    if (running.path) {
      path = running.path;
      storageLib = running.storageLib;
      break;
    }
  }
  if (!path) {
    const why = opts.notRunning ?? "innd is not running";
    return {
      path: null,
      hisWrite: false,
      storageLib: null,
      smStore: false,
      problem: [
        ...problems,
        `${why}: the uprobe needs this INN's running innd (the one its innd.pid names, run by ` +
          "INN's user from INN's pathbin). Start INN (rc.news), or use mode: tracepoint",
      ].join("; "),
    };
  }

  let innd: ElfInfo;
  try {
    innd = await readElf(path);
  } catch (e) {
    problems.push(e instanceof ElfError ? e.message : String(e));
    return { path, hisWrite: false, storageLib, smStore: false, problem: problems.join("; ") };
  }
  const hisWrite = defines(innd, HIS_WRITE);

  // A static innd carries SMstore itself (then the uprobe goes on innd's own binary).
  if (defines(innd, SM_STORE)) storageLib = path;
  storageLib ??= findNeeded(innd, path);
  let smStore = false;
  if (storageLib === path) smStore = true;
  else if (storageLib) {
    try {
      smStore = defines(await readElf(storageLib), SM_STORE);
    } catch (e) {
      problems.push(e instanceof ElfError ? e.message : String(e));
    }
  }
  if (!hisWrite && !smStore) {
    problems.push(
      innd.interpreter
        ? `${path} defines no ${HIS_WRITE} and ${storageLib ?? "no libinnstorage found"} no ${SM_STORE}`
        : `${path} is statically linked and has no symbols ${HIS_WRITE} or ${SM_STORE} (stripped)`,
    );
  }
  return {
    path,
    hisWrite,
    storageLib,
    smStore,
    ...(problems.length > 0 ? { problem: problems.join("; ") } : {}),
  };
}

function defines(elf: ElfInfo, fn: string): boolean {
  return elf.dynamicFunctions.has(fn) || elf.staticFunctions.has(fn);
}

/** The running process: its binary, and the libinnstorage it has mapped. */
async function fromProcess(
  proc: string,
  pid: number,
): Promise<{ path: string | null; storageLib: string | null; problem?: string }> {
  let exe: string;
  try {
    exe = await readlink(`${proc}/${pid}/exe`);
  } catch (e) {
    return { path: null, storageLib: null, problem: `cannot read ${proc}/${pid}/exe: ${code(e)}` };
  }
  let storageLib: string | null = null;
  try {
    storageLib = storageLibFromMaps(await readPseudoFile(`${proc}/${pid}/maps`));
  } catch (e) {
    return { path: exe, storageLib: null, problem: `cannot read ${proc}/${pid}/maps: ${code(e)}` };
  }
  if (exe.endsWith(" (deleted)")) {
    // Replaced on disk (a package upgrade) while innd runs: the probe must go on the new file,
    // which innd runs after its restart; the old one has no path any more.
    return {
      path: exe.slice(0, -" (deleted)".length),
      storageLib,
      problem: `innd (pid ${pid}) runs a binary since replaced on disk: restart innd`,
    };
  }
  return { path: exe, storageLib };
}

/** Pure: /proc/PID/maps text → the libinnstorage mapped, or null. */
export function storageLibFromMaps(maps: string): string | null {
  for (const line of maps.split("\n")) {
    const m = /^\S+ \S+ \S+ \S+ \S+\s+(\/.*\/libinnstorage[^/]*\.so[^/]*)$/.exec(line);
    if (m?.[1]) return m[1].replace(/ \(deleted\)$/, "");
  }
  return null;
}

/** DT_NEEDED's libinnstorage, looked up in the runpath ($ORIGIN expanded), then the usual dirs. */
function findNeeded(innd: ElfInfo, path: string): string | null {
  const lib = innd.needed.find((n) => /^libinnstorage\.so/.test(n));
  if (!lib) return null;
  if (lib.includes("/")) return existsSync(lib) ? lib : null;
  const dirs = [
    ...innd.runpath.map((d) => d.replaceAll(/\$\{?ORIGIN\}?/g, dirname(path))),
    ...LIB_DIRS,
  ];
  for (const d of dirs) {
    const p = join(d, lib);
    if (existsSync(p)) return p;
  }
  return null;
}

function code(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? String(e);
}

/** A file's identity (device and inode): what a uprobe is attached to. */
export interface BinaryIdentity {
  dev: number;
  ino: number;
}

/**
 * The identity of the file at `path` now, or null if there is none. A uprobe stays on the inode it
 * was attached to: innd restarted from the same file keeps being traced, but a package upgrade puts
 * a new file (new inode) at the path, so compare this with the identity taken at attach time.
 */
export async function fileIdentity(path: string): Promise<BinaryIdentity | null> {
  try {
    const s = await stat(path);
    return { dev: s.dev, ino: s.ino };
  } catch {
    return null;
  }
}

/** The identity of the binary process `pid` runs (even one since deleted or replaced), or null. */
export async function processIdentity(pid: number, proc = "/proc"): Promise<BinaryIdentity | null> {
  return fileIdentity(`${proc}/${pid}/exe`);
}

export function sameIdentity(a: BinaryIdentity | null, b: BinaryIdentity | null): boolean {
  return a !== null && b !== null && a.dev === b.dev && a.ino === b.ino;
}
