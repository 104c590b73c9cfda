import type { Program } from "../sources/source.js";

export interface BinaryWatchIO {
  /** The inode of the file at `path` now (null: none). */
  inodeOf(path: string): Promise<number | null>;
  /** The inode of `binary` as this INN's running innd has it (null: innd not running, or not it). */
  runningInode(binary: string): Promise<number | null>;
}

/**
 * A uprobe sits on the binary's inode: a package upgrade renames a new file over it and restarts
 * innd, which then runs code nothing traces. This notices it (innd runs another inode than the one
 * attached to), so that the run re-attaches and catches up the gap.
 */
export class InndBinaryWatch {
  #attachedIno: number | null = null;
  /** Counts attaches: an inode read for an older attach must not overwrite a newer one's. */
  #attaches = 0;

  constructor(
    private readonly trace: { readonly program: Pick<Program, "binary"> | null },
    private readonly io: BinaryWatchIO,
  ) {}

  /** A program attached: remembers the inode its uprobe sits on (none for the other sources). */
  async attached(program: Pick<Program, "binary">): Promise<void> {
    const attach = ++this.#attaches;
    this.#attachedIno = null;
    if (!program.binary) return;
    const ino = await this.io.inodeOf(program.binary);
    if (attach === this.#attaches) this.#attachedIno = ino;
  }

  /**
   * The binary innd runs now when it is not the one attached to (once: the next `attached` arms the
   * watch again); null otherwise.
   */
  async replaced(): Promise<string | null> {
    const binary = this.trace.program?.binary;
    const attached = this.#attachedIno;
    if (!binary || attached === null) return null;
    const running = await this.io.runningInode(binary);
    if (running === null || running === attached || this.#attachedIno !== attached) return null;
    this.#attachedIno = null;
    return binary;
  }
}
