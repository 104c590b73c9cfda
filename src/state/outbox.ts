import { closeSync, fdatasync, fsyncSync, openSync, renameSync, writeSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Article } from "../article/article.js";
import { ensureDir, FILE_MODE } from "./files.js";

/** One notification that must reach one notifier. */
export interface OutboxEntry {
  /** Stable name of the notifier (survives restarts while its config is unchanged). */
  target: string;
  article: Article;
  /** When it was first admitted (ms since the epoch). */
  since: number;
}

type Line =
  | { op: "add"; target: string; article: Article; since: number }
  | { op: "done"; target: string; id: string }
  | { op: "drop"; target: string; id: string; why: string };

const FILE = "outbox.jsonl";

/**
 * The durable outbox: a notification is journaled before it is sent and marked done only once its
 * target accepted it, so a crash, a restart or a long outage loses nothing. Done and pending
 * (target, Message-ID) pairs are remembered so that each is delivered once.
 *
 * An append-only JSON-lines journal. Lines are written (a synchronous write(2)) before any send
 * (JournaledNotifier calls `flush()` first), before the marks are saved, and at the latest on the next
 * turn of the event loop, so lines that come together share one write. Once written, a crash of
 * newsnotify itself, even SIGKILL, cannot lose them: they are in the kernel. A line still in memory
 * when a SIGKILL comes was not sent, and its article is still above the saved marks, so catch-up
 * finds it at the next start. Against a power cut, `sync()` (fdatasync) runs before catch-up saves
 * its high-water marks:
 * an article whose line a power cut took is then still above the saved marks, so the next start
 * finds it in the spool again. So nothing waits on the disk per article (a burst of thousands would
 * otherwise spend more CPU in fdatasync than innd spends filing them); a power cut can only repeat
 * sends, never lose one.
 */
export class Outbox {
  readonly #pending = new Map<string, OutboxEntry>();
  /** Recently finished pairs, oldest first: kept across compactions for de-duplication. */
  readonly #finished = new Map<string, Extract<Line, { op: "done" | "drop" }>>();
  #fd: number | null = null;
  #lines = 0;
  /** The fdatasync in progress, and whether more lines arrived since it started. */
  #syncing: Promise<void> | null = null;
  #dirty = false;
  /** Lines not yet written, and whether a write of them is scheduled. */
  #buffer = "";
  #flushing = false;

  private constructor(
    private readonly path: string,
    private readonly keepFinished: number,
  ) {}

  /** Opens (or creates) the outbox in `dir`, replays its journal and compacts it. */
  static async open(dir: string, keepFinished = 50_000): Promise<Outbox> {
    await ensureDir(dir);
    const box = new Outbox(join(dir, FILE), keepFinished);
    await box.#replay();
    box.#compact();
    return box;
  }

  /** Entries admitted but not yet delivered, oldest first: to resend after a restart. */
  pending(): OutboxEntry[] {
    return [...this.#pending.values()].sort((a, b) => a.since - b.since);
  }

  pendingCount(): number {
    return this.#pending.size;
  }

  /** True while this target's delivery of this article is journaled and not yet done. */
  isPending(target: string, messageId: string): boolean {
    return this.#pending.has(key(target, messageId));
  }

  /** True when this target already has (or had) this article. */
  knows(target: string, messageId: string): boolean {
    const k = key(target, messageId);
    return this.#pending.has(k) || this.#finished.has(k);
  }

  /**
   * Journals the article for each target that does not know it yet and returns those targets: only
   * they may be sent to. Async only for the callers' sake: the line is written before it returns.
   */
  async admit(targets: readonly string[], article: Article): Promise<string[]> {
    const fresh = targets.filter((t) => !this.knows(t, article.messageId));
    if (fresh.length === 0) return [];
    const since = Date.now();
    const lines: Line[] = [];
    for (const target of fresh) {
      this.#pending.set(key(target, article.messageId), { target, article, since });
      lines.push({ op: "add", target, article, since });
    }
    this.#append(...lines);
    return fresh;
  }

  /** Resolves once every line so far is on disk: one fdatasync serves all who wait meanwhile. */
  sync(): Promise<void> {
    return this.#sync();
  }

  /** The target accepted it. */
  async done(target: string, messageId: string): Promise<void> {
    await this.doneMany(target, [messageId]);
  }

  /** The target accepted them all (one batch): one journal write for all their lines. */
  async doneMany(target: string, messageIds: readonly string[]): Promise<void> {
    this.#finishAll(messageIds.map((id) => ({ op: "done", target, id })));
  }

  /** The target refused it for good (e.g. HTTP 400): remembered, never retried. */
  async drop(target: string, messageId: string, why: string): Promise<void> {
    await this.#finish({ op: "drop", target, id: messageId, why });
  }

  async close(): Promise<void> {
    await this.#sync();
    this.#flush();
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }

  async #finish(line: Extract<Line, { op: "done" | "drop" }>): Promise<void> {
    this.#finishAll([line]);
  }

  #finishAll(lines: readonly Extract<Line, { op: "done" | "drop" }>[]): void {
    for (const line of lines) {
      const k = key(line.target, line.id);
      this.#pending.delete(k);
      this.#remember(k, line);
    }
    this.#append(...lines);
    if (this.#lines > 4 * (this.#pending.size + this.keepFinished) + 1000) this.#compact();
  }

  #remember(k: string, line: Extract<Line, { op: "done" | "drop" }>): void {
    this.#finished.delete(k);
    this.#finished.set(k, line);
    if (this.#finished.size > this.keepFinished) {
      const oldest = this.#finished.keys().next().value as string;
      this.#finished.delete(oldest);
    }
  }

  /** Buffers the lines; they go out in one write(2) with all others of this turn of the event loop. */
  #append(...lines: Line[]): void {
    if (lines.length === 0) return;
    for (const line of lines) this.#buffer += `${JSON.stringify(line)}\n`;
    this.#lines += lines.length;
    this.#dirty = true;
    if (!this.#flushing) {
      this.#flushing = true;
      setImmediate(() => {
        this.#flushing = false;
        this.#flush();
      });
    }
  }

  /** Writes the buffered lines now (to the kernel: from then on only a power cut can lose them). */
  flush(): void {
    this.#flush();
  }

  #flush(): void {
    if (this.#buffer === "") return;
    this.#fd ??= openSync(this.path, "a", FILE_MODE);
    writeSync(this.#fd, this.#buffer);
    this.#buffer = "";
  }

  /** Resolves once every line written so far is on disk (one fdatasync serves all who wait). */
  async #sync(): Promise<void> {
    while (this.#dirty) {
      if (this.#syncing) {
        await this.#syncing;
        continue;
      }
      this.#dirty = false;
      this.#flush();
      const fd = this.#fd;
      if (fd === null) return;
      this.#syncing = new Promise<void>((resolve, reject) =>
        fdatasync(fd, (e) => (e ? reject(e) : resolve())),
      ).finally(() => {
        this.#syncing = null;
      });
      await this.#syncing;
    }
  }

  async #replay(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch {
      return;
    }
    for (const raw of text.split("\n")) {
      if (raw === "") continue;
      let line: Line;
      try {
        line = JSON.parse(raw) as Line;
      } catch {
        continue; // A torn last line from a crash mid-append: that entry was never acknowledged.
      }
      if (line.op === "add") {
        const k = key(line.target, line.article.messageId);
        if (!this.#finished.has(k)) this.#pending.set(k, line);
      } else {
        const k = key(line.target, line.id);
        this.#pending.delete(k);
        this.#remember(k, line);
      }
    }
  }

  /** Rewrites the journal as just what matters: pending entries and the recent finished pairs. */
  #compact(): void {
    // The snapshot holds every line appended so far, the unwritten ones too.
    this.#buffer = "";
    const lines: string[] = [];
    for (const f of this.#finished.values()) lines.push(JSON.stringify(f));
    for (const p of this.#pending.values()) lines.push(JSON.stringify({ op: "add", ...p }));
    // Synchronous, so no append can slip between the snapshot and the rename.
    const tmp = `${this.path}.${process.pid}.tmp`;
    const fd = openSync(tmp, "w", FILE_MODE);
    try {
      writeSync(fd, lines.length > 0 ? `${lines.join("\n")}\n` : "");
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
    this.#lines = lines.length;
  }
}

function key(target: string, messageId: string): string {
  return `${target}\u0000${messageId}`;
}
