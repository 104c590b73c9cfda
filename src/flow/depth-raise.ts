import type { Program } from "../sources/source.js";
import { errorMessage } from "../util/errors.js";
import type { Log } from "../util/log.js";

/** The running trace, as far as regenerating it goes (TraceSupervisor). */
export interface Regenerable {
  readonly program: Pick<Program, "depth" | "binary"> | null;
  handover(reason: string): Promise<void>;
}

/**
 * A path walk as deep as the deepest group needs: when a group deeper than the walk appears (or a
 * walk ran short), the program is regenerated and handed over. One raise at a time: innd creates
 * several deep files at once, and each would ask.
 */
export class DepthRaise {
  #raising = false;

  constructor(
    private readonly trace: Regenerable,
    /** The walk depth the active file needs now. */
    private readonly needed: () => Promise<number>,
    private readonly log: Log,
  ) {}

  /** Regenerates deeper if the walk needs it; false when nothing was done (or it failed). */
  async raise(reason: string): Promise<boolean> {
    const current = this.trace.program;
    // Sources without a walk (depth 0) have nothing to raise.
    if (this.#raising || !current || current.depth === 0) return false;
    this.#raising = true;
    try {
      const need = await this.needed();
      if (need <= current.depth) return false;
      await this.trace.handover(`${reason}; depth ${current.depth} → ${need}`);
      return true;
    } catch (e) {
      this.log("error", `raising the walk depth failed (${reason}): ${errorMessage(e)}`);
      return false;
    } finally {
      this.#raising = false;
    }
  }
}
