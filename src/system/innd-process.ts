import { readFile, readlink, realpath, stat } from "node:fs/promises";
import { join } from "node:path";
import { readPseudoFile } from "../util/pseudo-file.js";

/** The running innd as a uprobe sees it: which binary (by inode: a path can be replaced). */
export interface InndProcess {
  pid: number;
  /** /proc/PID/exe's target, without the " (deleted)" the kernel adds for a replaced file. */
  exe: string;
  /** The binary's identity: a package upgrade renames a new file over the path (new inode). */
  dev: number;
  ino: number;
  /** True when the binary it runs was replaced on disk since it started. */
  deleted: boolean;
}

/** This INN's innd (see ownInnd), or null when none runs. */
export async function inndProcess(pathrun: string, want: InndWant): Promise<InndProcess | null> {
  const own = await ownInnd(pathrun, want);
  if (!own.ok) return null;
  const pid = own.pid;
  try {
    const target = await readlink(`/proc/${pid}/exe`);
    // stat of /proc/PID/exe follows the kernel's own link: the inode it runs, even if deleted.
    const st = await stat(`/proc/${pid}/exe`);
    const deleted = target.endsWith(" (deleted)");
    return {
      pid,
      exe: deleted ? target.slice(0, -" (deleted)".length) : target,
      dev: st.dev,
      ino: st.ino,
      deleted,
    };
  } catch {
    // Exited meanwhile.
    return null;
  }
}

/**
 * Which process is *this* INN's innd: the one its pid file (pathrun/innd.pid) names. A uprobe on
 * innd's binary also fires in any other innd started from it (a test or benchmark instance with its
 * own inn.conf), whose tokens mean nothing in our spool, and a file probe in any process of INN's
 * user that names itself innd. Re-read when an unknown pid shows up (innd restarted), at most once
 * a second: an unknown pid within a second of the last read waits for the next read instead of
 * being turned away (a restarted innd's first articles are not lost to a stranger's flood).
 */
export class InndPidFile {
  #pid: number | null = null;
  #readAt = Number.NEGATIVE_INFINITY;
  #reading: Promise<void> | null = null;

  constructor(
    private readonly path: string,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((r) => setTimeout(r, ms)),
  ) {}

  async isOurs(pid: number): Promise<boolean> {
    if (pid === this.#pid) return true;
    this.#reading ??= this.#read().finally(() => {
      this.#reading = null;
    });
    await this.#reading;
    return this.#pid === null || pid === this.#pid;
  }

  async #read(): Promise<void> {
    const wait = this.#readAt + 1000 - this.now();
    if (wait > 0) await this.sleep(wait);
    this.#readAt = this.now();
    try {
      const text = (await readFile(this.path, "utf8")).trim();
      this.#pid = /^\d+$/.test(text) ? Number(text) : null;
    } catch {
      // No pid file: the kernel already kept only INN's user's innd (the probes' uid filter).
      this.#pid = null;
    }
  }
}

/**
 * The inode of `binary` as the running process `pid` has it: its executable, or a library it has
 * mapped (/proc/PID/maps names the inode of each mapping). Null when the process does not run it.
 */
export async function runningInode(pid: number, binary: string): Promise<number | null> {
  try {
    const exe = (await readlink(`/proc/${pid}/exe`)).replace(/ \(deleted\)$/, "");
    if (exe === binary) return (await stat(`/proc/${pid}/exe`)).ino;
    for (const line of (await readPseudoFile(`/proc/${pid}/maps`)).split("\n")) {
      // address perms offset dev inode pathname
      const f = line.split(/\s+/);
      if (
        f[5] &&
        f
          .slice(5)
          .join(" ")
          .replace(/ \(deleted\)$/, "") === binary
      )
        return Number(f[4]);
    }
  } catch {
    // Exited meanwhile.
  }
  return null;
}

/** What makes a process this INN's innd. */
export interface InndWant {
  /** innd's comm (config `process`). */
  comm: string;
  /** INN's user (runasuser): innd runs as it. */
  uid: number;
  /** INN's pathbin: innd is pathbin/innd. */
  pathbin: string;
  /** For tests: the /proc to read. */
  proc?: string;
}

export type OwnInnd = { ok: true; pid: number } | { ok: false; reason: string };

/** What was read about the process innd.pid names (null: could not be read). */
export interface InndSeen {
  pidText: string | null;
  comm: string | null;
  uid: number | null;
  /** Real path of /proc/PID/exe (" (deleted)" removed), and of pathbin/innd. */
  exe: string | null;
  expectedExe: string | null;
}

/**
 * Pure: whether the process innd.pid names is this INN's innd: named `comm`, run by INN's user,
 * from INN's own pathbin/innd. Nothing is matched by name alone: a local user can name any
 * process innd (prctl PR_SET_NAME), and even run INN's innd binary as themself.
 */
export function judgeInnd(pidFile: string, want: InndWant, seen: InndSeen): OwnInnd {
  if (seen.pidText === null)
    return { ok: false, reason: `${pidFile} cannot be read (is innd running?)` };
  const text = seen.pidText.trim();
  const pid = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(pid) || pid <= 0) {
    return { ok: false, reason: `${pidFile} holds no pid (${JSON.stringify(text.slice(0, 20))})` };
  }
  if (seen.comm === null)
    return { ok: false, reason: `pid ${pid} (from ${pidFile}) is not running` };
  if (seen.comm !== want.comm) {
    return {
      ok: false,
      reason: `pid ${pid} (from ${pidFile}) is ${JSON.stringify(seen.comm)}, not ${want.comm}`,
    };
  }
  if (seen.uid !== want.uid) {
    return {
      ok: false,
      reason: `pid ${pid} (from ${pidFile}) runs as uid ${seen.uid ?? "?"}, not INN's user (uid ${want.uid})`,
    };
  }
  if (seen.exe === null || seen.expectedExe === null || seen.exe !== seen.expectedExe) {
    return {
      ok: false,
      reason: `pid ${pid} (from ${pidFile}) runs ${seen.exe ?? "an unreadable binary"}, not INN's ${join(want.pathbin, "innd")}`,
    };
  }
  return { ok: true, pid };
}

/** The real uid on /proc/PID/status's Uid: line (real, effective, saved, fs). */
export function realUid(status: string): number | null {
  const m = /^Uid:\s+(\d+)/m.exec(status);
  return m ? Number(m[1]) : null;
}

/**
 * This INN's innd: the process its pid file (pathrun/innd.pid, which innd writes itself) names,
 * when judgeInnd accepts it. A uprobe on innd's binary also fires in any other innd started from it
 * (a test instance with its own inn.conf, or a user running the binary), whose tokens mean nothing
 * in our spool; and a uprobe must never read and probe a binary a user chose.
 */
export async function ownInnd(pathrun: string, want: InndWant): Promise<OwnInnd> {
  const proc = want.proc ?? "/proc";
  const pidFile = join(pathrun, "innd.pid");
  const quiet = <T>(p: Promise<T>) => p.catch(() => null);
  const pidText = await quiet(readFile(pidFile, "utf8"));
  const pid = pidText?.trim() ?? "";
  const at = /^\d+$/.test(pid) ? `${proc}/${pid}` : null;
  const comm = at ? await quiet(readFile(`${at}/comm`, "utf8")) : null;
  const status = at ? await quiet(readFile(`${at}/status`, "utf8")) : null;
  const link = at ? await quiet(readlink(`${at}/exe`)) : null;
  const exePath = link?.replace(/ \(deleted\)$/, "") ?? null;
  const expected = join(want.pathbin, "innd");
  const expectedExe = await quiet(realpath(expected));
  // A deleted (upgraded) binary has no real path any more: the path it was run by is compared.
  const deleted = link?.endsWith(" (deleted)") ?? false;
  const exe =
    exePath === null
      ? null
      : deleted
        ? exePath === expected
          ? expectedExe
          : exePath
        : await quiet(realpath(exePath));
  return judgeInnd(pidFile, want, {
    pidText,
    comm: comm?.trim() ?? null,
    uid: status ? realUid(status) : null,
    exe,
    expectedExe,
  });
}
