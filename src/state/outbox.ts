import {
  closeSync,
  fdatasync,
  fsyncSync,
  openSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { Article } from "../article/article.js";
import { StateError } from "../util/errors.js";
import type { Log } from "../util/log.js";
import { own } from "../util/own.js";
import { asStateError, ensureDir, FILE_MODE, isMachineError, writeProblem } from "./files.js";
import { eachLine } from "./lines.js";
import { STATE_FILES } from "./names.js";

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

/** Where a pending entry's "add" line (with its article) is in the journal: all memory keeps. */
interface Slot {
  since: number;
  /** Byte offset and length (without the newline) of the line in the journal. */
  off: number;
  len: number;
}

const FILE = STATE_FILES.outbox;
/** Articles kept in memory after admission (about 1-3 KB each): see #recent. */
const RECENT = 1024;

/**
 * The durable outbox: a notification is journaled before it is sent and marked done only once its
 * target accepted it, so a crash, a restart or a long outage loses nothing. Done and pending
 * (target, Message-ID) pairs are remembered so that each is delivered once.
 *
 * An append-only JSON-lines journal. Pending articles stay **on disk**: memory keeps only an index
 * (per target, in admission order: Message-ID → where its line is), and an article is read back
 * (one pread) when a worker claims it, so a backlog of any size costs a few hundred bytes each.
 *
 * Lines that come in one turn of the event loop share one write(2); `admit` resolves once its lines
 * are written (or held in memory because the disk refused them: see `held`). Once written, a crash
 * of newsnotify itself, even SIGKILL, cannot lose them: they are in the kernel. Against a power cut,
 * `sync()` (fdatasync) runs before catch-up saves its high-water marks: an article whose line a
 * power cut took is then still above the saved marks, so the next start finds it in the spool
 * again. So nothing waits on the disk per article (a burst of thousands would otherwise spend more
 * CPU in fdatasync than innd spends filing them); a power cut can only repeat sends, never lose one.
 */
export class Outbox {
  /** Pending entries per target, oldest first (a Map keeps insertion order). */
  readonly #pending = new Map<string, Map<string, Slot>>();
  #pendingCount = 0;
  /**
   * The articles admitted last, by Message-ID, at most RECENT of them: a worker keeping pace claims
   * what was just admitted, and reading it back from disk would cost a pread and a parse each.
   */
  readonly #recent = new Map<string, Article>();
  /** Recently finished pairs, oldest first: kept across compactions for de-duplication. */
  readonly #finished = new Map<string, Extract<Line, { op: "done" | "drop" }>>();
  /** Appends go through this descriptor; reads of pending lines through #reader. */
  #fd: number | null = null;
  #reader: number | null = null;
  #lines = 0;
  /** The byte offset where the next line goes (the file's size plus what is buffered). */
  #end = 0;
  /** The fdatasync in progress, and whether more lines arrived since it started. */
  #syncing: Promise<void> | null = null;
  #dirty = false;
  /** Lines not yet written, their size in bytes, and who waits for their write. */
  #buffer = "";
  #bufferBytes = 0;
  /**
   * What a write cut short left unwritten, byte for byte (a cut can fall inside a multi-byte
   * character: as a string it would come back as U+FFFD); it goes out before #buffer.
   */
  #unwritten: Buffer | null = null;
  #flushing = false;
  #written: (() => void)[] = [];
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
    box.#replay();
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

  /** Entries admitted but not yet delivered, oldest first, each article read from disk (tests). */
  pending(): OutboxEntry[] {
    const out: OutboxEntry[] = [];
    for (const [target, slots] of this.#pending) {
      for (const [id, slot] of slots) {
        out.push({ target, article: this.read(target, id), since: slot.since });
      }
    }
    return out.sort((a, b) => a.since - b.since);
  }

  pendingCount(): number {
    return this.#pendingCount;
  }

  /** Pending entries of one target: how many. */
  count(target: string): number {
    return this.#pending.get(target)?.size ?? 0;
  }

  /** Pending Message-IDs of one target with when each was admitted, oldest first. */
  *entries(target: string): IterableIterator<[string, number]> {
    for (const [id, slot] of this.#pending.get(target) ?? []) yield [id, slot.since];
  }

  /** Targets with pending entries. */
  targets(): string[] {
    return [...this.#pending.keys()].filter((t) => this.count(t) > 0);
  }

  /** Pending notifications per target (the backlog `status` and /metrics show). */
  pendingByTarget(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const [target, slots] of this.#pending) counts.set(target, slots.size);
    return counts;
  }

  /** True while this target's delivery of this article is journaled and not yet done. */
  isPending(target: string, messageId: string): boolean {
    return this.#pending.get(target)?.has(messageId) ?? false;
  }

  /** True when this target already has (or had) this article. */
  knows(target: string, messageId: string): boolean {
    return this.isPending(target, messageId) || this.#finished.has(key(target, messageId));
  }

  /** A pending entry's article, read back from its journal line. */
  read(target: string, messageId: string): Article {
    const slot = this.#pending.get(target)?.get(messageId);
    if (!slot) throw new Error(`outbox: ${target} has no pending ${messageId}`);
    const recent = this.#recent.get(messageId);
    if (recent) return recent;
    const line = JSON.parse(this.#lineAt(slot).toString("utf8")) as Line;
    if (line.op !== "add")
      throw new Error(`outbox: ${this.path} at ${slot.off} is not an add line`);
    return line.article;
  }

  /**
   * Journals the article for each target that does not know it yet and returns those targets: only
   * they may be sent to. Resolves once the lines are written (with the others of this turn of the
   * event loop, in one write), or held in memory because the disk refused them (see `held`).
   */
  async admit(targets: readonly string[], article: Article): Promise<string[]> {
    const fresh = targets.filter((t) => !this.knows(t, article.messageId));
    if (fresh.length === 0) return [];
    const since = Date.now();
    const id = own(article.messageId);
    this.#recent.set(id, article);
    if (this.#recent.size > RECENT) this.#recent.delete(this.#recent.keys().next().value as string);
    for (const target of fresh) {
      const off = this.#append({ op: "add", target, article, since });
      this.#slots(target).set(id, { since, off, len: this.#end - off - 1 });
      this.#pendingCount++;
    }
    await new Promise<void>((resolve) => this.#written.push(resolve));
    return fresh;
  }

  /**
   * Rewrites a pending entry's article in place (its place in the queue and its admission time
   * stay): a new "add" line, which replay and compaction take over the old one.
   */
  async replace(target: string, article: Article): Promise<void> {
    const slots = this.#pending.get(target);
    const slot = slots?.get(article.messageId);
    if (!slots || !slot) throw new Error(`outbox: ${target} has no pending ${article.messageId}`);
    const off = this.#append({ op: "add", target, article, since: slot.since });
    slots.set(article.messageId, { since: slot.since, off, len: this.#end - off - 1 });
    if (this.#recent.has(article.messageId)) this.#recent.set(article.messageId, article);
    await new Promise<void>((resolve) => this.#written.push(resolve));
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
    this.#finishAll([{ op: "drop", target, id: messageId, why }]);
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
      const lines = this.#unwrittenBytes().toString("latin1").split("\n").length - 1;
      this.log(
        "warn",
        `${lines} outbox line(s) could not be written (${writeProblem(this.path, this.#held.error)}); ` +
          "their articles are left for catch-up at the next start",
      );
      this.#held = null;
    }
    this.#release();
    this.#closeFds();
  }

  #finishAll(lines: readonly Extract<Line, { op: "done" | "drop" }>[]): void {
    const known = lines.filter((l) => this.#pending.get(l.target)?.delete(l.id));
    if (known.length === 0) return;
    this.#pendingCount -= known.length;
    for (const line of known) this.#remember(key(line.target, line.id), line);
    for (const line of known) this.#append(line);
    if (
      (this.#lines > 4 * (this.#pendingCount + this.keepFinished) + 1000 ||
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

  #slots(target: string): Map<string, Slot> {
    const slots = this.#pending.get(target) ?? new Map<string, Slot>();
    this.#pending.set(target, slots);
    return slots;
  }

  #remember(k: string, line: Extract<Line, { op: "done" | "drop" }>): void {
    this.#finished.delete(k);
    this.#finished.set(k, line);
    if (this.#finished.size > this.keepFinished) {
      const oldest = this.#finished.keys().next().value as string;
      this.#finished.delete(oldest);
    }
  }

  /**
   * Buffers the line (it goes out in one write(2) with all others of this turn of the event loop)
   * and returns its byte offset in the journal.
   */
  #append(line: Line): number {
    const text = `${JSON.stringify(line)}\n`;
    const bytes = Buffer.byteLength(text);
    const off = this.#end;
    this.#buffer += text;
    this.#bufferBytes += bytes;
    this.#end += bytes;
    this.#appended += bytes;
    this.#lines++;
    this.#dirty = true;
    if (!this.#flushing) {
      this.#flushing = true;
      setImmediate(() => {
        this.#flushing = false;
        this.#flush();
      });
    }
    return off;
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
    if (this.#bufferBytes === 0) {
      if (this.#held) this.#recovered();
      this.#release();
      return;
    }
    try {
      this.#fd ??= openSync(this.path, "a", FILE_MODE);
      const bytes = this.#unwrittenBytes();
      this.#unwritten = bytes;
      this.#buffer = "";
      let off = 0;
      try {
        while (off < bytes.length) off += writeSync(this.#fd, bytes, off);
      } finally {
        // Whatever went out is out: keep only the rest (a cut line is completed by the next write).
        this.#unwritten = off < bytes.length ? bytes.subarray(off) : null;
        this.#bufferBytes -= off;
      }
    } catch (e) {
      if (!isMachineError(e)) throw e;
      this.#hold(e);
      // Held in memory: admit's promise says written *or held* (the sends still go out).
      this.#release();
      return;
    }
    if (this.#held) this.#recovered();
    this.#release();
  }

  /** Resolves every admit waiting for its write. */
  #release(): void {
    const waiting = this.#written;
    this.#written = [];
    for (const resolve of waiting) resolve();
  }

  /** The bytes of a line: from the file, or from the buffer while it is not written yet. */
  #lineAt(slot: Slot): Buffer {
    const buf = Buffer.allocUnsafe(slot.len);
    this.#readLine(slot, buf, 0);
    return buf;
  }

  /** Reads a line's bytes into `into` at `at`. */
  #readLine(slot: Slot, into: Buffer, at: number): void {
    const onDisk = this.#end - this.#bufferBytes;
    if (slot.off >= onDisk) {
      this.#unwrittenBytes().copy(into, at, slot.off - onDisk, slot.off - onDisk + slot.len);
      return;
    }
    this.#reader ??= openSync(this.path, "r");
    let got = 0;
    while (got < slot.len) {
      const n = readSync(this.#reader, into, at + got, slot.len - got, slot.off + got);
      if (n === 0) throw new Error(`outbox: ${this.path} ends before offset ${slot.off + got}`);
      got += n;
    }
  }

  /** Every byte appended and not yet written, in order. */
  #unwrittenBytes(): Buffer {
    const rest = Buffer.from(this.#buffer);
    return this.#unwritten ? Buffer.concat([this.#unwritten, rest]) : rest;
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

  /** Reads the journal line by line (never whole: a backlog can be large), keeping only the index. */
  #replay(): void {
    const torn: number[] = [];
    let n = 0;
    const end = eachLine(this.path, (raw, off) => {
      n++;
      if (raw.length === 0) return;
      let line: Line;
      try {
        line = JSON.parse(raw.toString("utf8")) as Line;
      } catch {
        // A line cut short by a crash mid-append (or a full disk): its entry was never acknowledged.
        torn.push(n);
        return;
      }
      if (line.op === "add") {
        const id = own(line.article.messageId);
        const target = own(line.target);
        if (this.#finished.has(key(target, id))) return;
        const slots = this.#slots(target);
        if (!slots.has(id)) this.#pendingCount++;
        slots.set(id, { since: line.since, off, len: raw.length });
      } else {
        const k = key(line.target, line.id);
        if (this.#pending.get(line.target)?.delete(line.id)) this.#pendingCount--;
        this.#remember(own(k), line);
      }
    });
    this.#end = end;
    if (torn.length > 0) {
      this.log(
        "warn",
        `${this.path}: ${torn.length} unreadable line(s) skipped (line ${torn.slice(0, 5).join(", ")}${torn.length > 5 ? ", …" : ""}), ` +
          "cut short by a crash or a full disk; their articles are found again by catch-up if still above the high-water marks",
      );
    }
  }

  /**
   * Rewrites the journal as just what matters: the recent finished pairs and the pending entries
   * (their lines copied as they are, in chunks, so a large backlog never sits in memory whole).
   */
  #compact(): void {
    // Everything appended so far goes to the old journal first: the copy reads pending lines there.
    this.#flush();
    if (this.#bufferBytes !== 0) throw this.#held?.error ?? new Error("outbox: unwritten lines");
    const tmp = `${this.path}.${process.pid}.tmp`;
    const moved: [Slot, number][] = [];
    let lines = 0;
    let size = 0;
    try {
      const fd = openSync(tmp, "w", FILE_MODE);
      try {
        // One reused buffer: copying a large backlog allocates nothing per line.
        const out = new LineWriter(fd);
        for (const f of this.#finished.values()) {
          size += out.put(Buffer.from(JSON.stringify(f)));
          lines++;
        }
        for (const slots of this.#pending.values()) {
          for (const slot of slots.values()) {
            moved.push([slot, size]);
            size += out.copy(slot.len, (into, at) => this.#readLine(slot, into, at));
            lines++;
          }
        }
        out.end();
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      // Synchronous from the flush on, so no append can slip in before the rename.
      renameSync(tmp, this.path);
    } catch (e) {
      // Nothing changed: the old journal stays, and so do the offsets into it.
      try {
        unlinkSync(tmp);
      } catch {}
      throw e;
    }
    for (const [slot, off] of moved) slot.off = off;
    this.#closeFds();
    this.#end = size;
    this.#lines = lines;
    this.#appended = 0;
  }

  #closeFds(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    if (this.#reader !== null) closeSync(this.#reader);
    this.#fd = null;
    this.#reader = null;
  }
}

/** Lines gathered in one reused buffer and written to `fd` a megabyte at a time. */
class LineWriter {
  #buf = Buffer.allocUnsafe(1 << 20);
  #used = 0;

  constructor(private readonly fd: number) {}

  /** Appends the line and a newline; returns the bytes it takes. */
  put(line: Buffer): number {
    return this.copy(line.length, (into, at) => line.copy(into, at));
  }

  /** Appends `len` bytes that `fill` writes into the buffer at the offset given, and a newline. */
  copy(len: number, fill: (into: Buffer, at: number) => void): number {
    if (this.#used + len + 1 > this.#buf.length) this.#write();
    if (len + 1 > this.#buf.length) this.#buf = Buffer.allocUnsafe(len + 1);
    fill(this.#buf, this.#used);
    this.#buf[this.#used + len] = 10;
    this.#used += len + 1;
    return len + 1;
  }

  end(): void {
    this.#write();
  }

  #write(): void {
    let off = 0;
    while (off < this.#used) off += writeSync(this.fd, this.#buf, off, this.#used - off);
    this.#used = 0;
  }
}

/**
 * The backlog per target as the journal in `dir` says, read only (for `newsnotify status`, which must
 * not write there): what is pending, and since when the oldest waits.
 */
export async function readBacklog(
  dir: string,
): Promise<Map<string, { pending: number; oldest: number }>> {
  const path = join(dir, FILE);
  const pending = new Map<string, { target: string; since: number }>();
  eachLine(path, (raw) => {
    let line: Line;
    try {
      line = JSON.parse(raw.toString("utf8")) as Line;
    } catch {
      return;
    }
    if (line?.op === "add") {
      pending.set(own(key(line.target, line.article.messageId)), {
        target: own(line.target),
        since: line.since,
      });
    } else if (line?.op === "done" || line?.op === "drop")
      pending.delete(key(line.target, line.id));
  });
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
