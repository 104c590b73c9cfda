import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readlinkSync,
  readSync,
  realpathSync,
} from "node:fs";
import { basename, dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { headerEnd } from "../article/parse.js";

export interface ReadOptions {
  /** Read at most this many bytes of a huge article. */
  maxBytes: number;
  /** Give up waiting for the file to be complete after this long. */
  timeoutMs: number;
  /** A file that is not in wire format counts as complete once its size holds this long. */
  settleMs?: number;
  /**
   * innd has already stored it whole (a source saw its token: InndHisWrite and SMstore's return come
   * after the storage method wrote it): read it at once, with no wait for a terminator or a settled
   * size (a spool without wireformat would otherwise cost settleMs per article).
   */
  stored?: boolean;
  /** Counts the bytes read and the read calls made (a test's proof that a read stayed bounded). */
  counted?: ReadCount;
}

export interface ReadCount {
  bytes: number;
  reads: number;
}

export interface StoredArticle {
  raw: Buffer;
  /** Size of the file when read. */
  bytes: number;
  truncated: boolean;
  /** False when the wait ran out and we read what was there. */
  complete: boolean;
  waitedMs: number;
}

const WIRE_END = Buffer.from("\r\n.\r\n");

/**
 * Reads an article file that innd has just created (empty at first): waits until it ends with the
 * wire-format terminator, or its size stops changing, within a bounded time. The file must be a
 * regular file whose real directory is inside `spool` (no symlinks out of the spool).
 *
 * The file system calls are synchronous on purpose: each is a few microseconds on a local spool,
 * while the async API sends every one through libuv's thread pool, and those thread wake-ups were
 * most of the CPU newsnotify spent per article in the benchmark. Waits between polls stay async.
 */
export async function readWhenComplete(
  path: string,
  spool: string,
  opts: ReadOptions,
): Promise<StoredArticle> {
  const settleMs = opts.settleMs ?? 250;
  const started = Date.now();
  const fd = openInSpool(path, spool);
  try {
    let lastSize = -1;
    let sizeSince = started;
    /** The whole file as read at lastSize (one read per size seen, not one per poll). */
    let data: Buffer | null = null;
    // Poll fast at first (innd writes an article in one writev), then back off.
    for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
      const st = fstatSync(fd);
      if (!st.isFile()) throw new Error(`not a regular file`);
      const now = Date.now();
      if (st.size !== lastSize) {
        lastSize = st.size;
        sizeSince = now;
        data = null;
      }
      let wireDone = false;
      if (st.size >= WIRE_END.length) {
        if (st.size <= opts.maxBytes) {
          data ??= readFrom(fd, st.size, 0, opts.counted);
          wireDone = data.length === st.size && data.subarray(-WIRE_END.length).equals(WIRE_END);
        } else {
          wireDone = readFrom(fd, WIRE_END.length, st.size - WIRE_END.length, opts.counted).equals(
            WIRE_END,
          );
        }
      }
      const settled = st.size > 0 && (opts.stored === true || now - sizeSince >= settleMs);
      const timedOut = now - started >= opts.timeoutMs;
      if (wireDone || settled || timedOut) {
        if (st.size === 0) throw new Error(`still empty after ${opts.timeoutMs} ms`);
        const n = Math.min(st.size, opts.maxBytes);
        const raw = data?.length === n ? data : readFrom(fd, n, 0, opts.counted);
        return {
          raw,
          bytes: st.size,
          truncated: st.size > opts.maxBytes,
          complete: wireDone || settled,
          waitedMs: now - started,
        };
      }
      await sleep(delay);
    }
  } finally {
    closeSync(fd);
  }
}

/** A routing read's outcome: its first bytes, and whether the header block ended within them. */
export interface HeadRead {
  stored: StoredArticle;
  ended: boolean;
}

/** Where a routing read lands (one article at a time, copied out before any await): no allocation per article. */
const scratch = Buffer.allocUnsafeSlow(64 * 1024);

/**
 * Reads the header block of an article file that innd has just created, in one read of its first
 * `first` bytes, for routing: once an empty line ends the header within them, the header is
 * written, whatever the body's state (innd may still be writing it), so there is no wait for the
 * terminator and no look at the file's end. `stored.raw` is a copy of those bytes, the whole
 * article when they hold all of it (`complete` then says whether it ended as innd ends one).
 * Waits (as readWhenComplete does) only while the file is empty. Null when the header did not end
 * within the first read (a longer header, or a file still being written): the caller reads it
 * bounded, waiting for a complete file. Same checks as readWhenComplete.
 */
export async function readHeadWhenWritten(
  path: string,
  spool: string,
  opts: ReadOptions,
  first: number,
): Promise<HeadRead | null> {
  const started = Date.now();
  const fd = openInSpool(path, spool);
  try {
    for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
      const st = fstatSync(fd);
      if (!st.isFile()) throw new Error(`not a regular file`);
      const waitedMs = Date.now() - started;
      if (st.size > 0) {
        const want = Math.min(st.size, first, opts.maxBytes, scratch.length);
        const got = readSync(fd, scratch, 0, want, 0);
        if (opts.counted) {
          opts.counted.bytes += got;
          opts.counted.reads++;
        }
        const read = scratch.subarray(0, got);
        const end = headerEnd(read);
        if (end < 0) return null;
        const whole = got === st.size;
        const complete =
          whole && got >= WIRE_END.length && read.subarray(-WIRE_END.length).equals(WIRE_END);
        return {
          stored: {
            // The header with its empty line (headerEnd points at that line's start).
            raw: Buffer.from(whole ? read : read.subarray(0, end + (read[end] === 13 ? 2 : 1))),
            bytes: st.size,
            truncated: false,
            complete,
            waitedMs,
          },
          ended: true,
        };
      }
      if (waitedMs >= opts.timeoutMs) throw new Error(`still empty after ${opts.timeoutMs} ms`);
      await sleep(delay);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens an article file for reading: not through a symbolic link, and only when its real directory
 * is inside `spool`. Throws with the reason otherwise.
 */
function openInSpool(path: string, spool: string): number {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ELOOP") throw e;
    throw new Error(`is a symbolic link; not followed (only files inside the spool are read)`);
  }
  try {
    const real = openedPath(fd, path);
    if (!real.startsWith(`${spool}/`)) {
      throw new Error(`resolves outside the spool ${spool} (${real})`);
    }
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return fd;
}

/**
 * Where the file we opened really is: the kernel's own name for the open file (one readlink of
 * /proc/self/fd/N), so a symlinked directory anywhere on the way shows, and nothing can be swapped
 * between the check and the read. glibc's realpath(3) would lstat every component instead (a quarter
 * of the read's CPU in a burst). Without /proc: realpath of the directory, then the name.
 */
function openedPath(fd: number, path: string): string {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return `${realpathSync.native(dirname(path))}/${basename(path)}`;
  }
}

/** Up to `n` bytes from `position` (fewer if the file is shorter by then). */
function readFrom(fd: number, n: number, position: number, counted?: ReadCount): Buffer {
  const buf = Buffer.allocUnsafe(n);
  const got = readSync(fd, buf, 0, n, position);
  if (counted) {
    counted.bytes += got;
    counted.reads++;
  }
  return buf.subarray(0, got);
}
