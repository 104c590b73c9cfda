import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { errorMessage, StateError } from "../util/errors.js";
import { asStateError, writeAtomic } from "./files.js";
import { STATE_FILES } from "./names.js";

const FILE = STATE_FILES.highwater;

/**
 * Per group, the article number up to which every article has been handled (notified, or judged
 * not to need it). Catch-up after downtime notifies what lies above it.
 */
export class HighWater {
  private constructor(
    private readonly path: string,
    private groups: Map<string, number> | null,
  ) {}

  static async load(dir: string): Promise<HighWater> {
    const path = join(dir, FILE);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return new HighWater(path, null);
      throw corrupt(path, errorMessage(e));
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw corrupt(path, errorMessage(e));
    }
    const raw = (data as { groups?: unknown } | null)?.groups;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw))
      throw corrupt(path, 'no "groups" object');
    const groups = new Map<string, number>();
    for (const [g, n] of Object.entries(raw)) {
      if (typeof n === "number" && Number.isSafeInteger(n)) groups.set(g, n);
    }
    return new HighWater(path, groups);
  }

  /** Null before the first run has saved anything: then there is nothing to catch up on. */
  get marks(): ReadonlyMap<string, number> | null {
    return this.groups;
  }

  async save(marks: ReadonlyMap<string, number>): Promise<void> {
    this.groups = new Map(marks);
    const groups = Object.fromEntries([...marks].sort(([a], [b]) => a.localeCompare(b)));
    await writeAtomic(this.path, `${JSON.stringify({ version: 1, groups }, null, 1)}\n`).catch(
      (e: unknown) => {
        throw asStateError(this.path, e);
      },
    );
  }
}

/** A corrupt marks file is a state problem with a remedy, not a bug (exit 5, no stack). */
function corrupt(path: string, why: string): StateError {
  return new StateError(
    `${path} is corrupt (${why}); move it away (mv ${path} ${path}.bad) and start again: ` +
      "newsnotify then starts from the spool's current articles (those filed while it was stopped are not notified).",
  );
}
