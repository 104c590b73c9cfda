import { readFile } from "node:fs/promises";
import { parseActive } from "../inn/active.js";
import type { HighWater } from "../state/highwater.js";
import type { Stats } from "../stats/stats.js";
import { type ArticleRef, activeMarks, advanceMarks, findGaps } from "../storage/gaps.js";
import type { Found, StorageContext, StoredRef } from "../storage/method.js";
import { findStored } from "../storage/registry.js";
import { errorMessage } from "../util/errors.js";
import type { Log } from "../util/log.js";

export interface CatchUpLimits {
  /** Notify at most this many missed articles per catch-up (the newest). */
  maxArticles: number;
  /** Skip missed articles older than this. */
  maxAgeMinutes: number;
}

export interface CatchUpOptions {
  spool: string;
  activeFile: string;
  marks: HighWater;
  limits: CatchUpLimits;
  log: Log;
  seen: (group: string, number: number) => boolean;
  /** Reads, parses and queues one article (the same path the trace takes). */
  article: (ref: StoredRef) => Promise<void>;
  /** How storage methods find articles (default: the spool alone, tradspool). */
  storage?: StorageContext;
  /** Which of the missing numbers are stored, and when they arrived (default: through storage/). */
  find?: (refs: readonly ArticleRef[]) => Promise<Found[]>;
  /**
   * Makes what was queued so far survive a power cut (the outbox's fdatasync). Runs before each save
   * of the marks: they must never be on disk past an article whose journal line is not.
   */
  beforeSave?: () => Promise<void>;
  /** Counts runs and the articles they notified. */
  stats?: Pick<Stats, "catchUpRun">;
}

/**
 * Why a catch-up runs (its log and status text), and whether catchUp.maxArticles caps it: the cap is
 * for the backlog of a watcher that was stopped; articles whose events were missed while we ran are
 * owed in full (the marks move past skipped ones, so a skip is for good).
 */
export const CATCH_UP_REASONS = {
  start: { text: "start", capped: true },
  restarted: { text: "bpftrace restarted", capped: false },
  lost: { text: "bpftrace lost events", capped: false },
  binaryReplaced: { text: "innd's binary replaced", capped: false },
  periodic: { text: "periodic", capped: false },
} as const;

export type CatchUpReason = keyof typeof CATCH_UP_REASONS;

/**
 * Reconciles the spool against what this run has handled: at start (articles filed while we were
 * stopped), after bpftrace restarts or loses events, and periodically. It looks only above the
 * saved high-water marks, and saves new marks once everything below them is handled.
 */
export class CatchUp {
  #running: Promise<void> | null = null;
  #again: CatchUpReason | null = null;

  constructor(private readonly o: CatchUpOptions) {}

  /** Runs a reconcile now, or right after the one in progress. */
  request(reason: CatchUpReason): Promise<void> {
    if (this.#running) {
      this.#again = reason;
      return this.#running;
    }
    this.#running = (async () => {
      try {
        let why: CatchUpReason | null = reason;
        while (why) {
          this.#again = null;
          await this.#run(why);
          why = this.#again;
        }
      } catch (e) {
        this.o.log("error", `catch-up failed: ${errorMessage(e)}`);
      } finally {
        this.#running = null;
      }
    })();
    return this.#running;
  }

  /**
   * At a clean stop (SIGTERM, SIGHUP): after any catch-up in progress, the marks move past what this
   * run has handled (journaled) since the last save, so the next start does not read those again and
   * call them "filed while unseen". The journal is made durable first, as for every save.
   */
  async saveProgress(): Promise<void> {
    await this.#running;
    const marks = this.o.marks.marks;
    const next = marks && advanceMarks(marks, this.o.seen);
    if (next) await this.#save(next);
  }

  async #run(why: CatchUpReason): Promise<void> {
    const { text: reason, capped } = CATCH_UP_REASONS[why];
    const active = parseActive(await readFile(this.o.activeFile, "utf8"));
    const snapshot = activeMarks(active);
    const marks = this.o.marks.marks;
    if (!marks) {
      this.o.stats?.catchUpRun(reason, 0);
      await this.#save(snapshot);
      this.o.log(
        "info",
        `catch-up: no saved state yet; starting from the current articles of ${snapshot.size} groups`,
      );
      return;
    }
    const gaps = findGaps(marks, active, this.o.seen);
    const { due, old } = await this.#select(gaps);
    const skipped =
      capped && due.length > this.o.limits.maxArticles ? due.length - this.o.limits.maxArticles : 0;
    const todo = due.slice(skipped);
    if (todo.length > 0 || old > 0 || skipped > 0) {
      this.o.log(
        "info",
        `catch-up (${reason}): ${todo.length} article(s) filed while unseen` +
          (old > 0 ? `; ${old} older than ${this.o.limits.maxAgeMinutes} min skipped` : "") +
          (skipped > 0
            ? `; ${skipped} more skipped (catchUp.maxArticles=${this.o.limits.maxArticles})`
            : ""),
      );
    }
    this.o.stats?.catchUpRun(reason, todo.length);
    // A few at a time: each read may wait for innd to finish writing.
    for (let i = 0; i < todo.length; i += 8) {
      await Promise.all(todo.slice(i, i + 8).map((t) => this.o.article(t.ref)));
    }
    await this.#save(snapshot);
  }

  async #save(snapshot: Parameters<HighWater["save"]>[0]): Promise<void> {
    await this.o.beforeSave?.();
    await this.o.marks.save(snapshot);
  }

  /** Stored articles, oldest first, split by age. Missing numbers were cancelled, expired or rejected. */
  async #select(gaps: ArticleRef[]): Promise<{ due: Found[]; old: number }> {
    const cutoff = Date.now() - this.o.limits.maxAgeMinutes * 60_000;
    const found = await (
      this.o.find ?? ((refs) => findStored(refs, this.o.storage ?? { spool: this.o.spool }))
    )(gaps);
    const due = found.filter((f) => f.arrivedMs >= cutoff);
    due.sort((a, b) => a.arrivedMs - b.arrivedMs);
    return { due, old: found.length - due.length };
  }
}
