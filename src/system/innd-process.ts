import { readFile, readlink, stat } from "node:fs/promises";
import { pidsNamed } from "./processes.js";

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

/**
 * This INN's innd (see ownInndPids; the oldest when several: innd's own children are younger), or
 * null when none runs.
 */
export async function inndProcess(comm: string, pathrun: string): Promise<InndProcess | null> {
  const pids = await ownInndPids(pathrun, comm);
  for (const pid of pids) {
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
      // Exited meanwhile, or not ours to read: try the next.
    }
  }
  return null;
}

/**
 * Which process is *this* INN's innd: the one its pid file (pathrun/innd.pid) names. A uprobe on
 * innd's binary also fires in any other innd started from it (a test or benchmark instance with its
 * own inn.conf), whose tokens mean nothing in our spool. Re-read when an unknown pid shows up (innd
 * restarted), at most once a second.
 */
export class InndPidFile {
  #pid: number | null = null;
  #readAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly path: string,
    private readonly now: () => number = Date.now,
  ) {}

  async isOurs(pid: number): Promise<boolean> {
    if (pid === this.#pid) return true;
    if (this.now() - this.#readAt >= 1000) {
      this.#readAt = this.now();
      try {
        const text = (await readFile(this.path, "utf8")).trim();
        this.#pid = /^\d+$/.test(text) ? Number(text) : null;
      } catch {
        // No pid file (innd not started by rc.news?): every innd counts as ours.
        this.#pid = null;
        return true;
      }
    }
    return this.#pid === null || pid === this.#pid;
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
    for (const line of (await readFile(`/proc/${pid}/maps`, "utf8")).split("\n")) {
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

/**
 * This INN's innd: the pid its pid file names when that process is alive and named `comm`, else
 * every process named `comm` (oldest first). Another innd started from the same binary (a test or
 * benchmark instance with its own inn.conf) is not this INN's.
 */
export async function ownInndPids(pathrun: string, comm: string): Promise<number[]> {
  try {
    const pid = Number((await readFile(`${pathrun}/innd.pid`, "utf8")).trim());
    if (Number.isSafeInteger(pid) && pid > 0) {
      if ((await readFile(`/proc/${pid}/comm`, "utf8")).trim() === comm) return [pid];
    }
  } catch {
    // No pid file, or its process is gone: fall back to the name.
  }
  return (await pidsNamed(comm)).sort((a, b) => a - b);
}
