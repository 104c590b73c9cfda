/**
 * The delivery queue: the one source of truth of what each notifier still owes, which delivery
 * workers pull from. Implemented by the local journal (local-queue.ts over state/outbox.ts, the
 * embedded default) and an in-memory queue (for a Dispatcher used without a journal: test-hook,
 * tests). An article's identity is its Message-ID; a target is a notifier's stable key
 * (targets.ts).
 */
import type { Article } from "../article/article.js";
import type { OverflowPlan } from "./overflow.js";

/** One article owed to one target, claimed by a worker. */
export interface Work {
  readonly target: string;
  readonly messageId: string;
  readonly article: Article;
  /** When it was first enqueued (ms since the epoch): the start of its wait. */
  readonly since: number;
}

/** What one target still owes: how many, and since when the oldest waits (null: none). */
export interface Backlog {
  pending: number;
  oldest: number | null;
}

export interface DeliveryQueue {
  /**
   * Enqueues the article for each of `targets` that does not have it yet (pending or finished),
   * and resolves with those targets once their entries are written (from then on a crash of
   * newsnotify cannot lose them; the local journal while the disk refuses: held in memory, see
   * state/outbox.ts). Later sightings of the same Message-ID are no-ops. In cluster mode the
   * entries are written to this node's journal and forwarded to PostgreSQL after.
   */
  enqueue(article: Article, targets: readonly string[]): Promise<string[]>;
  /**
   * Up to `max` entries of `target` that are due and claimed by nobody, oldest first, now leased
   * to the caller for `leaseMs`; none when nothing is due. A lease ends with done, dropped,
   * release, or when it runs out (the claimer died): then anyone may claim the entry again.
   */
  claim(target: string, max: number, leaseMs: number): Promise<Work[]>;
  /** The target accepted them: never sent again. */
  done(work: readonly Work[]): Promise<void>;
  /**
   * An attempt failed; the claimer tries again at `retryAt` (ms since the epoch) and keeps the
   * entries until then. Should it die meanwhile, anyone may claim them once `retryAt` plus a
   * lease has passed.
   */
  failed(work: readonly Work[], retryAt: number): Promise<void>;
  /** The target refused it for good, or retries ran out: remembered, never sent. */
  dropped(work: Work, why: string): Promise<void>;
  /** Gives claimed entries back untouched (a stop): due again at once. */
  release(work: readonly Work[]): Promise<void>;
  /**
   * maxBacklog: when `target` has more than `cap` articles pending (claimed or not), marks the
   * oldest dropped and enqueues the episode's one summary for it in place of an unclaimed earlier
   * one (overflow.ts), durably; resolves with what was done, or null when within the cap.
   */
  overflow(target: string, cap: number): Promise<OverflowPlan | null>;
  /** The backlog per target (pending, claimed or not). */
  backlog(): Promise<Map<string, Backlog>>;
  /**
   * How many entries of `target` this process knows to be pending (claimed included), read at
   * once: what the workers' spawning and the drain at a stop go by.
   */
  size(target: string): number;
  /** Calls `listener` when work may have become due for a target; returns the unsubscribe. */
  onWork(listener: (target: string) => void): () => void;
  /** Resolves once everything enqueued so far survives a power cut (before marks are saved). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** How long a claim is leased by default: a send's timeout and then some. */
export const LEASE_MS = 120_000;
