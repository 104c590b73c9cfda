import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Stats, StatsSnapshot } from "../stats/stats.js";
import type { Log } from "../util/log.js";
import { writeAtomic, writeProblem } from "./files.js";
import { STATE_FILES } from "./names.js";

const STATUS_FILE = STATE_FILES.status;

/** What a watcher writes to stateDir/status.json for `newsnotify status` (no root needed to read). */
export interface StatusDoc extends StatsSnapshot {
  version: 1;
  pid: number;
  /** ms since the epoch of this write. */
  updated: number;
  /** Set by the last write at a clean stop. */
  stopped: number | null;
  /** Where /metrics is served, when enabled. */
  metrics: string | null;
}

export interface StatusWriterOptions {
  /** At most one write per this many ms (and only when something changed, or once a minute). */
  intervalMs?: number;
  log?: Log;
  /** The URL /metrics is served at, once known. */
  metrics?: () => string | null;
}

/**
 * Writes status.json atomically (write, fsync, rename; 0600) at most every few seconds while the
 * counters move, once a minute anyway (so its age shows the watcher is alive), and at stop. A write
 * the machine refuses (a full disk) is logged once and tried again later: it never stops the watcher.
 */
export class StatusWriter {
  readonly #path: string;
  readonly #timer: NodeJS.Timeout;
  #written = -1;
  #writtenAt = 0;
  #writing: Promise<void> = Promise.resolve();
  #failing = false;

  constructor(
    dir: string,
    private readonly stats: Stats,
    private readonly o: StatusWriterOptions = {},
  ) {
    this.#path = join(dir, STATUS_FILE);
    this.#timer = setInterval(() => void this.#tick(), o.intervalMs ?? 5000);
    this.#timer.unref();
    void this.#tick();
  }

  /** The last write (stopped set); resolves when it is on disk (or failed). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#write(Date.now());
  }

  async #tick(): Promise<void> {
    const now = Date.now();
    if (this.stats.changes === this.#written && now - this.#writtenAt < 60_000) return;
    await this.#write(null);
  }

  #write(stopped: number | null): Promise<void> {
    this.#writing = this.#writing.then(async () => {
      const changes = this.stats.changes;
      const doc: StatusDoc = {
        version: 1,
        pid: process.pid,
        updated: Date.now(),
        stopped,
        metrics: this.o.metrics?.() ?? null,
        ...this.stats.snapshot(),
      };
      try {
        await writeAtomic(this.#path, `${JSON.stringify(doc, null, 1)}\n`);
        this.#written = changes;
        this.#writtenAt = doc.updated;
        if (this.#failing) this.o.log?.("info", `${this.#path} is written again`);
        this.#failing = false;
      } catch (e) {
        if (!this.#failing)
          this.o.log?.("warn", `status not saved: ${writeProblem(this.#path, e)}`);
        this.#failing = true;
      }
    });
    return this.#writing;
  }
}

/** status.json as the watcher last wrote it; null when there is none (or it is not ours). */
export async function readStatus(dir: string): Promise<StatusDoc | null> {
  let text: string;
  try {
    text = await readFile(join(dir, STATUS_FILE), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
  try {
    const doc = JSON.parse(text) as StatusDoc;
    return doc?.version === 1 && Array.isArray(doc.notifiers) ? doc : null;
  } catch {
    return null;
  }
}
