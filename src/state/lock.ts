import { open, readFile, unlink } from "node:fs/promises";
import { basename, join } from "node:path";
import { StateError, UserError } from "../util/errors.js";
import { asStateError, FILE_MODE } from "./files.js";
import { STATE_FILES } from "./names.js";

/** What a lock file says: who holds it, since when (to tell a reused pid), for which directory. */
export interface LockOwner {
  pid: number;
  /** The owner's start time in clock ticks since boot (/proc/PID/stat field 22), if known. */
  start?: number;
  dir?: string;
}

/** The state directory is locked by a live watcher (a `feed` waits for its predecessor to go). */
export class LockHeldError extends UserError {
  constructor(
    message: string,
    readonly owner: LockOwner,
  ) {
    super(message);
    this.name = "LockHeldError";
  }
}

/**
 * One watcher per state directory: two would both replay the outbox and send twice. A lock file
 * holds the owner's pid, start time and state directory; it is taken over when that process is gone
 * (e.g. after SIGKILL) or is not a newsnotify watch on this directory (a pid reused, a stray pid
 * written there).
 */
export async function lockStateDir(
  dir: string,
  isOwner: (owner: LockOwner, dir: string) => Promise<boolean> = holdsLock,
): Promise<() => Promise<void>> {
  const path = join(dir, STATE_FILES.lock);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, "wx", FILE_MODE);
      try {
        const start = await startTime(process.pid);
        await fh.writeFile(`${process.pid}\n${start ?? ""}\n${dir}\n`);
      } catch (e) {
        await fh.close();
        await unlink(path).catch(() => {});
        throw asStateError(path, e);
      } finally {
        await fh.close().catch(() => {});
      }
      return () => unlink(path).catch(() => {});
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") {
        if (e instanceof StateError) throw e;
        throw asStateError(path, e);
      }
      const owner = parseLock(await readFile(path, "utf8").catch(() => ""));
      if (owner && owner.pid !== process.pid && (await isOwner(owner, dir))) {
        throw new LockHeldError(
          `another newsnotify watch (pid ${owner.pid}) uses the state directory ${dir}; stop it, or give this one its own stateDir`,
          owner,
        );
      }
      await unlink(path).catch(() => {});
    }
  }
  throw new UserError(`cannot lock the state directory ${dir} (${path})`);
}

export function parseLock(text: string): LockOwner | null {
  const [pidLine, startLine, dirLine] = text.split("\n");
  const pid = Number(pidLine?.trim());
  if (!Number.isInteger(pid) || pid <= 0) return null;
  const start = Number(startLine?.trim());
  return {
    pid,
    ...(startLine?.trim() && Number.isInteger(start) ? { start } : {}),
    ...(dirLine ? { dir: dirLine } : {}),
  };
}

/**
 * True when the lock's pid is alive, started when the lock says, runs `newsnotify … watch` or `feed` (its
 * /proc/PID/cmdline), and the lock names this directory.
 */
export async function holdsLock(owner: LockOwner, dir: string): Promise<boolean> {
  if (owner.dir !== undefined && owner.dir !== dir) return false;
  const argv = await cmdline(owner.pid);
  if (!argv || !isWatch(argv)) return false;
  if (owner.start !== undefined && (await startTime(owner.pid)) !== owner.start) return false;
  return true;
}

/**
 * `node [flags] …/newsnotify watch …` or `… feed …` (innd's channel program: it holds a state
 * directory too), through the bin shim or a symlink to it named newsnotify.
 */
export function isWatch(argv: readonly string[]): boolean {
  const i = argv.findIndex((a) => basename(a) === "newsnotify");
  const rest = argv.slice(i + 1);
  return i >= 0 && (rest.includes("watch") || rest.includes("feed"));
}

async function cmdline(pid: number): Promise<string[] | null> {
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`, "utf8");
    return raw.split("\0").filter((a) => a !== "");
  } catch {
    return null;
  }
}

/** Field 22 of /proc/PID/stat (after the parenthesised comm, which may hold spaces). */
export async function startTime(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const n = Number(fields[19]);
    return Number.isInteger(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** What `status` says about the lock: who holds it, and whether that is a live watch on `dir`. */
export interface LockState {
  owner: LockOwner | null;
  /** The pid exists (signal 0 is not refused as ESRCH). */
  alive: boolean;
  /** It is a newsnotify watch on this directory, started when the lock says (holdsLock). */
  held: boolean;
}

/** Reads `dir`/watch.pid without taking it; null when there is no lock file. */
export async function inspectLock(dir: string): Promise<LockState | null> {
  let text: string;
  try {
    text = await readFile(join(dir, STATE_FILES.lock), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
  const owner = parseLock(text);
  if (!owner) return { owner: null, alive: false, held: false };
  return { owner, alive: isAlive(owner.pid), held: await holdsLock(owner, dir) };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
