import {
  closeSync,
  fdatasyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { StateError } from "../util/errors.js";
import { FILE_MODE, isMachineError, writeProblem } from "./files.js";
import { STATE_FILES } from "./names.js";

/**
 * What innd's channel fed `newsnotify feed`, kept from the moment it is read until every line is
 * admitted to the outbox: innd forgets a line once it is in the pipe, so a crash between reading a
 * line and journaling its article would lose it. Each chunk read is written (one write(2), in the
 * kernel before anything is done with it: a SIGKILL cannot lose it, a power cut can, as it can
 * innd's own unsynced state); the file is emptied whenever nothing read is still on its way. What
 * an earlier run left is handed back at open: replayed, and the outbox's memory of each
 * (notifier, Message-ID) sends none of it twice.
 */
export class FeedInbox {
  readonly #path: string;
  readonly #fd: number;
  /** Bytes an earlier run left (lines read, perhaps not admitted); empty when it ended cleanly. */
  readonly leftover: Buffer;

  private constructor(path: string, fd: number, leftover: Buffer) {
    this.#path = path;
    this.#fd = fd;
    this.leftover = leftover;
  }

  /** Opens (creates 0600) the inbox of the state directory `dir`, which the caller has locked. */
  static open(dir: string): FeedInbox {
    const path = join(dir, STATE_FILES.feedInbox);
    try {
      const fd = openSync(path, "a+", FILE_MODE);
      return new FeedInbox(path, fd, readFileSync(path));
    } catch (e) {
      throw new StateError(writeProblem(path, e), { cause: e });
    }
  }

  /** Keeps `data` (raw bytes as read); `sync` waits for the disk (before a source is deleted). */
  append(data: Buffer, sync = false): void {
    try {
      for (let off = 0; off < data.length; ) off += writeSync(this.#fd, data, off);
      if (sync) fdatasyncSync(this.#fd);
    } catch (e) {
      if (isMachineError(e)) throw new StateError(writeProblem(this.#path, e), { cause: e });
      throw e;
    }
  }

  /**
   * Every whole line appended so far is admitted: only `partial` (the start of a line whose end
   * has not been read yet) is kept.
   */
  settle(partial: Buffer): void {
    try {
      ftruncateSync(this.#fd, 0);
      if (partial.length > 0) this.append(partial);
    } catch (e) {
      if (e instanceof StateError) throw e;
      throw new StateError(writeProblem(this.#path, e), { cause: e });
    }
  }

  close(): void {
    closeSync(this.#fd);
  }
}
