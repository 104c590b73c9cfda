import type { Article } from "../article/article.js";
import {
  type Dropped,
  isSummaryId,
  OVERFLOW_WHY,
  type OverflowInput,
  type OverflowPlan,
  type Pending,
  planOverflow,
  summaryArticle,
} from "./overflow.js";
import type { Backlog, DeliveryQueue, Work } from "./work.js";

/**
 * What the local queue keeps its entries in: the journal (state/outbox.ts: on disk, an index in
 * memory) or memory alone (memory-store.ts). Per target, pending Message-IDs in admission order.
 */
export interface PendingStore {
  /** Records the article for the targets that do not know it yet; resolves with those once written. */
  admit(targets: readonly string[], article: Article): Promise<string[]>;
  /** Pending Message-IDs of `target` with their admission time, oldest first. */
  entries(target: string): Iterable<[string, number]>;
  count(target: string): number;
  targets(): string[];
  read(target: string, messageId: string): Article;
  /** Rewrites a pending entry's article, keeping its place (maxBacklog's summary). */
  replace(target: string, article: Article): Promise<void>;
  /** Writes what is buffered now: an entry is written before it is claimed (and sent). */
  flush(): void;
  doneMany(target: string, messageIds: readonly string[]): Promise<void>;
  drop(target: string, messageId: string, why: string): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The delivery queue of one process over a PendingStore. Leases live in memory: only this process
 * claims from its store (the state directory is locked to one watcher), and a crash ends every
 * lease with it, so the next start finds all pending entries claimable again. A lease therefore
 * never runs out while the process lives; `leaseMs` and `retryAt` matter to a shared queue.
 */
export class LocalQueue implements DeliveryQueue {
  /** Claimed entries per target. */
  readonly #leased = new Map<string, Set<string>>();
  readonly #listeners = new Set<(target: string) => void>();
  /** Each target's summary as last written (overflow.ts), so a check need not read it back. */
  readonly #summaries = new Map<string, { id: string; notice: Dropped }>();

  /** `ownsStore: false`: close() leaves the store open (a watcher's journal is its state's to close). */
  constructor(
    readonly store: PendingStore,
    private readonly o: { ownsStore?: boolean } = {},
  ) {}

  async enqueue(article: Article, targets: readonly string[]): Promise<string[]> {
    const fresh = await this.store.admit(targets, article);
    for (const target of fresh) this.#wake(target);
    return fresh;
  }

  async claim(target: string, max: number, _leaseMs: number): Promise<Work[]> {
    const leased = this.#leasedOf(target);
    const out: Work[] = [];
    if (leased.size >= this.store.count(target)) return out;
    // Its journal line is written before the article leaves: a SIGKILL from here on cannot lose it.
    this.store.flush();
    for (const [messageId, since] of this.store.entries(target)) {
      if (out.length >= max) break;
      if (leased.has(messageId)) continue;
      leased.add(messageId);
      out.push({ target, messageId, since, article: this.store.read(target, messageId) });
    }
    return out;
  }

  async done(work: readonly Work[]): Promise<void> {
    for (const [target, ids] of byTarget(work)) {
      this.#unlease(target, ids);
      await this.store.doneMany(target, ids);
    }
  }

  async failed(_work: readonly Work[], _retryAt: number): Promise<void> {}

  async dropped(work: Work, why: string): Promise<void> {
    this.#unlease(work.target, [work.messageId]);
    await this.store.drop(work.target, work.messageId, why);
  }

  async release(work: readonly Work[]): Promise<void> {
    for (const [target, ids] of byTarget(work)) {
      this.#unlease(target, ids);
      this.#wake(target);
    }
  }

  async overflow(target: string, cap: number): Promise<OverflowPlan | null> {
    const all = this.store.count(target);
    if (all <= cap) return null;
    let count = 0;
    const oldest: Pending[] = [];
    let summary: OverflowInput["summary"] = null;
    for (const [id, since] of this.store.entries(target)) {
      if (isSummaryId(id)) {
        const known = this.#summaries.get(target);
        const notice = known?.id === id ? known.notice : this.store.read(target, id).notice;
        if (notice) summary = { id, notice };
        continue;
      }
      count++;
      // No more can be dropped than the entries above the cap.
      if (oldest.length < all - cap) oldest.push({ id, since });
    }
    const plan = planOverflow(target, { cap, count, oldest, summary });
    if (!plan) return null;
    for (const id of plan.drop) await this.store.drop(target, id, OVERFLOW_WHY);
    this.#unlease(target, plan.drop);
    const article = summaryArticle(plan, cap);
    this.#summaries.set(target, {
      id: plan.summaryId,
      notice: { dropped: plan.dropped, since: plan.since },
    });
    if (plan.rewrite) await this.store.replace(target, article);
    else await this.store.admit([target], article);
    this.#wake(target);
    return plan;
  }

  async backlog(): Promise<Map<string, Backlog>> {
    const out = new Map<string, Backlog>();
    for (const target of this.store.targets()) {
      const first = this.store.entries(target)[Symbol.iterator]().next();
      out.set(target, {
        pending: this.store.count(target),
        oldest: first.done ? null : first.value[1],
      });
    }
    return out;
  }

  size(target: string): number {
    return this.store.count(target);
  }

  onWork(listener: (target: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  sync(): Promise<void> {
    return this.store.sync();
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    if (this.o.ownsStore ?? true) await this.store.close();
  }

  #leasedOf(target: string): Set<string> {
    const set = this.#leased.get(target) ?? new Set<string>();
    this.#leased.set(target, set);
    return set;
  }

  #unlease(target: string, ids: readonly string[]): void {
    const set = this.#leased.get(target);
    for (const id of ids) set?.delete(id);
  }

  #wake(target: string): void {
    for (const listener of this.#listeners) listener(target);
  }
}

function byTarget(work: readonly Work[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const w of work) {
    const ids = out.get(w.target);
    if (ids) ids.push(w.messageId);
    else out.set(w.target, [w.messageId]);
  }
  return out;
}
