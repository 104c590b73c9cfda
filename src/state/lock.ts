import { type FileHandle, link, open, readFile, stat, unlink, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { UserError } from "../util/errors.js";
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

/** Who takes the lock: this process unless a test says otherwise. */
export interface LockSelf {
  pid: number;
  start?: number;
}

/** A takeover mutex older than this was left by a process that died inside it (it is held for ms). */
const TAKEOVER_STALE_MS = 10_000;
/** Pause while another starter removes a stale lock. */
const TAKEOVER_BUSY_MS = 20;
/** Rounds before giving up: each one either wins, finds a live owner, or sees the lock change. */
const ATTEMPTS = 1000;

/**
 * One watcher per state directory: two would both replay the outbox and send twice. A lock file
 * holds the owner's pid, start time and state directory; it is taken over when that process is gone
 * (e.g. after SIGKILL) or is not a newsnotify watch on this directory (a pid reused, a stray pid
 * written there).
 *
 * innd starts `newsnotify feed` again on every reload of its channels (`ctlinnd newgroup` too), so
 * several starters can race for one directory; none may believe it holds a lock that another holds:
 * - the lock file is written whole under a name of its own and link(2)ed into place, which fails
 *   when a lock exists: nobody ever reads a half-written lock (an empty one read as "no owner" let a
 *   second starter remove the first one's file and take the directory too);
 * - a stale lock is removed only under a takeover mutex (O_EXCL), and only if it still holds what
 *   was judged stale: two starters judging one stale lock cannot remove each other's new one;
 * - release removes the file only while it still names this process.
 */
export async function lockStateDir(
  dir: string,
  isOwner: (owner: LockOwner, dir: string) => Promise<boolean> = holdsLock,
  self?: LockSelf,
): Promise<() => Promise<void>> {
  const path = join(dir, STATE_FILES.lock);
  const me = self ?? { pid: process.pid, start: await startTime(process.pid) };
  const mine = `${me.pid}\n${me.start ?? ""}\n${dir}\n`;
  // Named as the state directory's check expects a temporary file of ours (dir.ts).
  const tmp = `${path}.${me.pid}.tmp`;
  try {
    await writeFile(tmp, mine, { mode: FILE_MODE });
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw asStateError(tmp, e);
  }
  try {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      try {
        await link(tmp, path);
        return () => releaseIfMine(path, mine);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw asStateError(path, e);
      }
      const text = await readIfThere(path);
      if (text === null) continue; // released meanwhile
      const owner = parseLock(text);
      if (owner && owner.pid !== me.pid && (await isOwner(owner, dir))) {
        throw new LockHeldError(
          `another newsnotify watch (pid ${owner.pid}) uses the state directory ${dir}; stop it, or give this one its own stateDir`,
          owner,
        );
      }
      if (!(await removeStale(path, text))) await sleep(TAKEOVER_BUSY_MS);
    }
  } finally {
    await unlink(tmp).catch(() => {});
  }
  throw new UserError(`cannot lock the state directory ${dir} (${path})`);
}

/**
 * Removes the lock file if it still holds `stale`, under the takeover mutex; false when another
 * starter holds the mutex (the caller waits and looks again).
 */
async function removeStale(path: string, stale: string): Promise<boolean> {
  const mutex = join(dirname(path), STATE_FILES.lockTakeover);
  let fh: FileHandle;
  try {
    fh = await open(mutex, "wx", FILE_MODE);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw asStateError(mutex, e);
    const st = await stat(mutex).catch(() => null);
    if (st && Date.now() - st.mtimeMs > TAKEOVER_STALE_MS) await unlink(mutex).catch(() => {});
    return false;
  }
  try {
    // Nobody else removes a lock while we hold the mutex, and its owner (not a live watch on this
    // directory) does not release it; a new lock cannot be linked while this one exists.
    if ((await readIfThere(path)) === stale) await unlink(path).catch(() => {});
    return true;
  } finally {
    await fh.close().catch(() => {});
    await unlink(mutex).catch(() => {});
  }
}

async function releaseIfMine(path: string, mine: string): Promise<void> {
  if ((await readIfThere(path)) === mine) await unlink(path).catch(() => {});
}

async function readIfThere(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw asStateError(path, e);
  }
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
