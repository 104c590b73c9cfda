import { closeSync, openSync, readSync } from "node:fs";

const CHUNK = 1 << 20;

/**
 * Calls `each` with every line of the file at `path` (without its newline) and the line's byte
 * offset, reading into one reused buffer: a journal of any size is never in memory whole, and
 * reading it allocates nothing per chunk (a large replay must not leave the allocator holding
 * memory). The line is a view into that buffer, valid during the call only. A last line without
 * its newline (cut short by a crash) is passed too. Returns the file's size in bytes; a missing
 * file has none (0).
 */
export function eachLine(path: string, each: (line: Buffer, offset: number) => void): number {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw e;
  }
  try {
    let buf = Buffer.allocUnsafe(CHUNK);
    /** Bytes in buf: the start of a line not yet complete (at offset `at` of the file), then new data. */
    let held = 0;
    let at = 0;
    let pos = 0;
    for (;;) {
      if (held === buf.length) {
        // One line longer than the buffer: a bigger one, for this line's sake.
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, held);
        buf = bigger;
      }
      const n = readSync(fd, buf, held, buf.length - held, pos);
      if (n === 0) break;
      pos += n;
      const end = held + n;
      const view = buf.subarray(0, end);
      let start = 0;
      for (let nl = view.indexOf(10, start); nl !== -1; nl = view.indexOf(10, start)) {
        each(view.subarray(start, nl), at + start);
        start = nl + 1;
      }
      buf.copy(buf, 0, start, end);
      held = end - start;
      at += start;
    }
    if (held > 0) each(buf.subarray(0, held), at);
    return pos;
  } finally {
    closeSync(fd);
  }
}
