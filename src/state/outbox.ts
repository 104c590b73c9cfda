import {
  closeSync,
  fdatasync,
  fsyncSync,
  openSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Article } from "../article/article.js";
import { StateError } from "../util/errors.js";
import type { Log } from "../util/log.js";
import { asStateError, ensureDir, FILE_MODE, isMachineError, writeProblem } from "./files.js";

export interface OutboxOptions {
  /** Finished (target, Message-ID) pairs remembered for de-duplication. */
  keepFinished?: number;
  log?: Log;
  /** How often a journal that could not be written (a full disk) is tried again. */
  retryMs?: number;
  /**
   * Compact once this many bytes were appended since the last compaction (default 32 MiB): an
   * "add" line carries its whole article (about 1 KB), so counting lines alone let a busy journal
   * grow past 100 MB before its first compaction (the soak of 2026-12-01).
   */
  compactBytes?: number;
}

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
  /** Why the journal cannot be written now (a full disk), while it cannot; with the retry timer. */
  #held: { error: unknown; since: number; timer: NodeJS.Timeout } | null = null;
  /** A compaction that failed waits for this many lines before it is tried again. */
  #compactAfter = 0;
  private readonly keepFinished: number;
  private readonly log: Log;
  private readonly retryMs: number;
  private readonly compactBytes: number;
  /** Bytes appended since the last compaction. */
  #appended = 0;

  private constructor(
    private readonly path: string,
    o: OutboxOptions,
  ) {
    this.keepFinished = o.keepFinished ?? 50_000;
    this.log = o.log ?? (() => {});
    this.retryMs = o.retryMs ?? 5000;
    this.compactBytes = o.compactBytes ?? 32 * 1024 * 1024;
  }

  /**
   * Opens (or creates) the outbox in `dir`, replays its journal and compacts it. A journal that
   * cannot be rewritten (a full disk) is a StateError (exit 5), and leaves no temporary file.
   */
  static async open(dir: string, options: number | OutboxOptions = {}): Promise<Outbox> {
    const o = typeof options === "number" ? { keepFinished: options } : options;
    await ensureDir(dir);
    const box = new Outbox(join(dir, FILE), o);
    await box.#replay();
    try {
      box.#compact();
    } catch (e) {
      throw asStateError(`${box.path}.${process.pid}.tmp`, e);
    }
    return box;
  }

  /** True while lines cannot be written (a full disk): they are kept in memory and tried again. */
  get held(): boolean {
    return this.#held !== null;
  }

  /** Entries admitted but not yet delivered, oldest first: to resend after a restart. */
  pending(): OutboxEntry[] {
    return [...this.#pending.values()].sort((a, b) => a.since - b.since);
  }

  pendingCount(): number {
    return this.#pending.size;
  }

  /** Pending notifications per target (the backlog `status` and /metrics show). */
  pendingByTarget(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const p of this.#pending.values()) counts.set(p.target, (counts.get(p.target) ?? 0) + 1);
    return counts;
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

  /**
   * Writes and syncs what it can. Lines that still cannot be written (a full disk) are lost with
   * this process; their articles stay above the saved marks (sync() refused to let them move), so
   * the next start's catch-up finds them.
   */
  async close(): Promise<void> {
    try {
      await this.#sync();
    } catch {}
    if (this.#held) {
      clearInterval(this.#held.timer);
      const lines = this.#buffer.split("\n").length - 1;
      this.log(
        "warn",
        `${lines} outbox line(s) could not be written (${writeProblem(this.path, this.#held.error)}); ` +
          "their articles are left for catch-up at the next start",
      );
      this.#held = null;
    }
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
    if (
      (this.#lines > 4 * (this.#pending.size + this.keepFinished) + 1000 ||
        this.#appended > this.compactBytes) &&
      this.#lines > this.#compactAfter &&
      !this.#held
    ) {
      try {
        this.#compact();
      } catch (e) {
        // The journal as it is stays valid: only its size is not brought down yet.
        this.#compactAfter = this.#lines + 1000;
        this.log("warn", `outbox not compacted: ${writeProblem(`${this.path}.tmp`, e)}`);
      }
    }
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
    for (const line of lines) {
      const text = `${JSON.stringify(line)}\n`;
      this.#buffer += text;
      this.#appended += text.length;
    }
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

  /**
   * Never throws: a write the machine refuses (ENOSPC, EDQUOT, EROFS, EIO...) keeps the unwritten
   * bytes in memory, exactly (a line cut short by a partial write is completed later, not torn),
   * logs once, and is tried again every retryMs until it succeeds. Meanwhile sync() rejects, so the
   * high-water marks stay below every article whose line is not on disk: a crash while held loses
   * no article (catch-up finds them again at the next start), it may only send some twice.
   */
  #flush(): void {
    if (this.#buffer === "") {
      if (this.#held) this.#recovered();
      return;
    }
    try {
      this.#fd ??= openSync(this.path, "a", FILE_MODE);
      const bytes = Buffer.from(this.#buffer);
      let off = 0;
      try {
        while (off < bytes.length) off += writeSync(this.#fd, bytes, off);
      } finally {
        // Whatever went out is out: keep only the rest (a cut line is completed by the next write).
        this.#buffer = off === 0 ? this.#buffer : bytes.subarray(off).toString();
      }
    } catch (e) {
      if (!isMachineError(e)) throw e;
      this.#hold(e);
      return;
    }
    if (this.#held) this.#recovered();
  }

  #hold(error: unknown): void {
    if (this.#held) {
      this.#held.error = error;
      return;
    }
    const timer = setInterval(() => this.#flush(), this.retryMs);
    timer.unref();
    this.#held = { error, since: Date.now(), timer };
    this.log(
      "error",
      `${writeProblem(this.path, error)}. Notifications still go out, held in memory; the high-water ` +
        "marks stay put, so no article is lost if newsnotify stops now (catch-up finds them at the " +
        `next start). Trying again every ${Math.round(this.retryMs / 1000)} s.`,
    );
  }

  #recovered(): void {
    if (!this.#held) return;
    clearInterval(this.#held.timer);
    const seconds = Math.round((Date.now() - this.#held.since) / 1000);
    this.#held = null;
    this.log("info", `${this.path} is writable again after ${seconds} s; outbox written`);
  }

  #throwIfHeld(): void {
    if (this.#held) throw new StateError(writeProblem(this.path, this.#held.error));
  }

  /** Resolves once every line written so far is on disk (one fdatasync serves all who wait). */
  async #sync(): Promise<void> {
    this.#flush();
    this.#throwIfHeld();
    while (this.#dirty) {
      if (this.#syncing) {
        await this.#syncing;
        continue;
      }
      this.#dirty = false;
      this.#flush();
      if (this.held) this.#dirty = true;
      this.#throwIfHeld();
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
    const torn: number[] = [];
    const raws = text.split("\n");
    for (const [i, raw] of raws.entries()) {
      if (raw === "") continue;
      let line: Line;
      try {
        line = JSON.parse(raw) as Line;
      } catch {
        // A line cut short by a crash mid-append (or a full disk): its entry was never acknowledged.
        torn.push(i + 1);
        continue;
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
    if (torn.length > 0) {
      this.log(
        "warn",
        `${this.path}: ${torn.length} unreadable line(s) skipped (line ${torn.slice(0, 5).join(", ")}${torn.length > 5 ? ", …" : ""}), ` +
          "cut short by a crash or a full disk; their articles are found again by catch-up if still above the high-water marks",
      );
    }
  }

  /** Rewrites the journal as just what matters: pending entries and the recent finished pairs. */
  #compact(): void {
    // The snapshot holds every line appended so far, the unwritten ones too.
    const snapshot = this.#buffer;
    this.#buffer = "";
    const lines: string[] = [];
    for (const f of this.#finished.values()) lines.push(JSON.stringify(f));
    for (const p of this.#pending.values()) lines.push(JSON.stringify({ op: "add", ...p }));
    // Synchronous, so no append can slip between the snapshot and the rename.
    const tmp = `${this.path}.${process.pid}.tmp`;
    try {
      const fd = openSync(tmp, "w", FILE_MODE);
      try {
        writeSync(fd, lines.length > 0 ? `${lines.join("\n")}\n` : "");
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.path);
    } catch (e) {
      // Nothing changed: the old journal stays, and so do the lines not yet written to it.
      try {
        unlinkSync(tmp);
      } catch {}
      this.#buffer = snapshot;
      throw e;
    }
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
    this.#lines = lines.length;
    this.#appended = 0;
  }
}

/**
 * The backlog per target as the journal in `dir` says, read only (for `newsnotify status`, which must
 * not write there): what is pending, and since when the oldest waits.
 */
export async function readBacklog(
  dir: string,
): Promise<Map<string, { pending: number; oldest: number }>> {
  let text: string;
  try {
    text = await readFile(join(dir, FILE), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return new Map();
    throw e;
  }
  const pending = new Map<string, { target: string; since: number }>();
  for (const raw of text.split("\n")) {
    let line: Line;
    try {
      line = JSON.parse(raw) as Line;
    } catch {
      continue;
    }
    if (line?.op === "add") pending.set(key(line.target, line.article.messageId), line);
    else if (line?.op === "done" || line?.op === "drop") pending.delete(key(line.target, line.id));
  }
  const out = new Map<string, { pending: number; oldest: number }>();
  for (const p of pending.values()) {
    const o = out.get(p.target);
    if (o) {
      o.pending++;
      o.oldest = Math.min(o.oldest, p.since);
    } else out.set(p.target, { pending: 1, oldest: p.since });
  }
  return out;
}

function key(target: string, messageId: string): string {
  return `${target}\u0000${messageId}`;
}
