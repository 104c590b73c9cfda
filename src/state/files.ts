import { mkdir, open, rename, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { errorMessage, StateError } from "../util/errors.js";

/** State is private: it holds article data and webhook targets. Directories 0700, files 0600. */
export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
}

/**
 * Write-then-rename with fsync, so a crash leaves the old file or the new one, never half of one. A
 * failed write (a full disk) removes its temporary file: it leaves the old file, and nothing else.
 */
export async function writeAtomic(path: string, data: string): Promise<void> {
  await ensureDir(dirname(path));
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const fh = await open(tmp, "w", FILE_MODE);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}

/** Errors of the machine (not of newsnotify) when a state file cannot be written. */
const MACHINE = new Set(["ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM", "EIO", "EFBIG", "EMFILE"]);

/** The errno code of a failed write, or undefined. */
export function errnoCode(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** True when a write failed because of the machine (full, read-only, not permitted), not a bug. */
export function isMachineError(e: unknown): boolean {
  return MACHINE.has(errnoCode(e) ?? "");
}

/** What to do about a state file that cannot be written, in one line. */
export function writeProblem(path: string, e: unknown): string {
  const code = errnoCode(e);
  const what =
    code === "ENOSPC" || code === "EDQUOT"
      ? "the filesystem is full; free some space there"
      : code === "EROFS"
        ? "the filesystem is read-only"
        : code === "EACCES" || code === "EPERM"
          ? "permission denied; the state directory must belong to the user newsnotify runs as"
          : "check the filesystem";
  return `cannot write ${path}: ${errorMessage(e)} (${what})`;
}

/** A machine error while writing state becomes a StateError (exit 5); anything else is rethrown. */
export function asStateError(path: string, e: unknown): unknown {
  return isMachineError(e) ? new StateError(writeProblem(path, e), { cause: e }) : e;
}
