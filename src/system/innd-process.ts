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

/** The oldest process named `comm` (innd's own children are younger), or null when none runs. */
export async function inndProcess(comm: string): Promise<InndProcess | null> {
  const pids = (await pidsNamed(comm)).sort((a, b) => a - b);
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

/** A process's start time in clock ticks since boot (field 22 of /proc/PID/stat): a restart changes it. */
export async function processStart(pid: number): Promise<number | null> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses: count from the last ")".
    const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
    const start = Number(rest[19]);
    return Number.isFinite(start) ? start : null;
  } catch {
    return null;
  }
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
