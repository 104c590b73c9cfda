import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { errorMessage } from "../util/errors.js";
import { writeAtomic } from "./files.js";

const FILE = "highwater.json";

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
    try {
      const data = JSON.parse(await readFile(path, "utf8")) as { groups?: Record<string, unknown> };
      const groups = new Map<string, number>();
      for (const [g, n] of Object.entries(data.groups ?? {})) {
        if (typeof n === "number" && Number.isSafeInteger(n)) groups.set(g, n);
      }
      return new HighWater(path, groups);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return new HighWater(path, null);
      throw new Error(
        `${path}: unreadable state (${errorMessage(e)}); move it away to start afresh`,
      );
    }
  }

  /** Null before the first run has saved anything: then there is nothing to catch up on. */
  get marks(): ReadonlyMap<string, number> | null {
    return this.groups;
  }

  async save(marks: ReadonlyMap<string, number>): Promise<void> {
    this.groups = new Map(marks);
    const groups = Object.fromEntries([...marks].sort(([a], [b]) => a.localeCompare(b)));
    await writeAtomic(this.path, `${JSON.stringify({ version: 1, groups }, null, 1)}\n`);
  }
}
