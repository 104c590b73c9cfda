/**
 * Cluster mode's delivery queue: the local journal in front of the shared queue (PostgreSQL). An
 * article is journaled here first, then forwarded (enqueued there by Message-ID, and marked done
 * here): an article seen while PostgreSQL is unreachable waits in the journal and is forwarded once
 * it answers, never lost. Workers claim from the shared queue only, so every node's workers deliver
 * the site's work, and each (target, Message-ID) once.
 */
import type { Article } from "../article/article.js";
import type { ClusterView } from "../stats/stats.js";
import { errorMessage } from "../util/errors.js";
import type { Log } from "../util/log.js";
import { printable } from "../util/printable.js";
import type { PendingStore } from "./local-queue.js";
import type { OverflowPlan } from "./overflow.js";
import type { ClusterRows } from "./postgres-queue.js";
import type { Backlog, DeliveryQueue, Work } from "./work.js";

/** The shared queue as cluster mode uses it (PostgresQueue; another queue in unit tests). */
export interface SharedQueue extends DeliveryQueue {
  readonly lastError: { message: string; at: number } | null;
  view(): Promise<ClusterRows>;
}

/** An open shared queue, and each local target's name there (the same on every node). */
export interface Connected {
  queue: SharedQueue;
  names: ReadonlyMap<string, string>;
}

export interface ClusterQueueOptions {
  /** The local journal (state/outbox.ts): what this node saw and has not forwarded yet. */
  journal: PendingStore;
  /** Opens the shared queue; throws while it cannot (see `fatal`). */
  connect(): Promise<Connected>;
  /** An error of connect() that waiting will not fix (wrong credentials, foreign tables). */
  fatal(e: unknown): boolean;
  node: string;
  /** The database, for status (without its password). */
  where: string;
  log: Log;
  /** Notifier labels per local target, for the drift warning. */
  labels?: ReadonlyMap<string, string>;
  /** Gets the cluster's view for status and /metrics whenever it changes. */
  onView?: (view: ClusterView) => void;
  /** The lease of a claim, instead of the lane's (cluster.leaseSeconds). */
  leaseMs?: number;
  /** Waits between tries to connect or forward: the first, doubled up to the last (ms). */
  backoffMs?: { first: number; max: number };
  /** How often the view is read from the database (ms; default 5 s). */
  viewMs?: number;
}

/** A node whose heartbeat is older than this is not counted as running. */
export const RECENT_MS = 60_000;
/** Journal entries forwarded per pass (one transaction per article). */
const CHUNK = 500;

export class ClusterQueue implements DeliveryQueue {
  #shared: (Connected & { local: Map<string, string> }) | null = null;
  readonly #listeners = new Set<(target: string) => void>();
  #closed = false;
  #forwarding: Promise<void> | null = null;
  #again = false;
  #retry: NodeJS.Timeout | null = null;
  #failures = 0;
  #viewTimer: NodeJS.Timeout | null = null;
  #connectError: { message: string; at: number } | null = null;
  #rows: ClusterRows | null = null;

  private constructor(private readonly o: ClusterQueueOptions) {}

  /**
   * Connects once: a fatal problem (wrong credentials, another program's tables) is thrown, with
   * nothing written there; an unreachable database is logged and tried again in the background
   * while articles wait in the journal.
   */
  static async start(o: ClusterQueueOptions): Promise<ClusterQueue> {
    const queue = new ClusterQueue(o);
    try {
      queue.#connected(await o.connect());
    } catch (e) {
      if (o.fatal(e)) throw e;
      queue.#connectFailed(e);
    }
    queue.#viewTimer = setInterval(() => void queue.refreshView(), o.viewMs ?? 5000);
    queue.#viewTimer.unref();
    void queue.refreshView();
    return queue;
  }

  get connected(): boolean {
    return this.#shared !== null;
  }

  /** Journaled here (from then on nothing loses it), then forwarded when the database answers. */
  async enqueue(article: Article, targets: readonly string[]): Promise<string[]> {
    const fresh = await this.o.journal.admit(targets, article);
    if (fresh.length > 0) void this.forward();
    return fresh;
  }

  /**
   * Forwards what the journal holds to the shared queue (one pass at a time; a call meanwhile
   * makes it go again). A failure leaves the rest journaled and tries again after a backoff.
   */
  forward(): Promise<void> {
    if (this.#forwarding) {
      this.#again = true;
      return this.#forwarding;
    }
    this.#forwarding = this.#forwardAll().finally(() => {
      this.#forwarding = null;
    });
    return this.#forwarding;
  }

  async claim(target: string, max: number, leaseMs: number): Promise<Work[]> {
    const s = this.#shared;
    const name = s?.names.get(target);
    if (!s || name === undefined) return [];
    const work = await s.queue.claim(name, max, this.o.leaseMs ?? leaseMs);
    return work.map((w) => ({ ...w, target }));
  }

  async done(work: readonly Work[]): Promise<void> {
    await this.#sharedQueue().done(this.#there(work));
  }

  async failed(work: readonly Work[], retryAt: number): Promise<void> {
    await this.#sharedQueue().failed(this.#there(work), retryAt);
  }

  async dropped(work: Work, why: string): Promise<void> {
    const [there] = this.#there([work]);
    if (there) await this.#sharedQueue().dropped(there, why);
  }

  async release(work: readonly Work[]): Promise<void> {
    await this.#sharedQueue().release(this.#there(work));
  }

  /**
   * maxBacklog over the shared queue, where every node's entries of the target are: the cap is the
   * site's. What waits in this journal unforwarded (PostgreSQL unreachable) is not capped here; it
   * is once forwarded.
   */
  async overflow(target: string, cap: number): Promise<OverflowPlan | null> {
    const s = this.#shared;
    const name = s?.names.get(target);
    if (!s || name === undefined) return null;
    return s.queue.overflow(name, cap);
  }

  /** Per local target: what waits here to be forwarded plus what the shared queue holds. */
  async backlog(): Promise<Map<string, Backlog>> {
    const out = new Map<string, Backlog>();
    const s = this.#shared;
    const there = s ? await s.queue.backlog().catch(() => null) : null;
    const targets = new Set([...this.o.journal.targets(), ...(s?.names.keys() ?? [])]);
    for (const target of targets) {
      const first = this.o.journal.entries(target)[Symbol.iterator]().next();
      const b = there?.get(s?.names.get(target) ?? "");
      const here = first.done ? null : first.value[1];
      out.set(target, {
        pending: this.o.journal.count(target) + (b?.pending ?? 0),
        oldest: minOf(here, b?.oldest ?? null),
      });
    }
    return out;
  }

  /** Pending as last known: the journal's entries and the shared queue's (every node's) backlog. */
  size(target: string): number {
    const s = this.#shared;
    const name = s?.names.get(target);
    const there = s && name !== undefined ? s.queue.size(name) : 0;
    return this.o.journal.count(target) + there;
  }

  /** Pending per local target, at once (for status.json and /metrics). */
  sizes(): Map<string, number> {
    const out = new Map<string, number>();
    const targets = new Set([...this.o.journal.targets(), ...(this.#shared?.names.keys() ?? [])]);
    for (const t of targets) out.set(t, this.size(t));
    return out;
  }

  onWork(listener: (target: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The journal's lines on disk: what was seen survives a power cut (before marks are saved). */
  sync(): Promise<void> {
    return this.o.journal.sync();
  }

  /** Stops forwarding and closes the shared queue; the journal is its owner's to close. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    if (this.#viewTimer) clearInterval(this.#viewTimer);
    await this.#forwarding?.catch(() => {});
    this.#listeners.clear();
    await this.#shared?.queue.close();
  }

  /** What status and /metrics show of the cluster now. */
  view(): ClusterView {
    const rows = this.#rows;
    const lastError = this.#shared?.queue.lastError ?? this.#connectError;
    const nodes = (rows?.nodes ?? []).map((n) => ({
      node: n.node,
      seenAgoMs: n.agoMs,
      recent: n.agoMs < RECENT_MS,
    }));
    let unforwarded = 0;
    for (const t of this.o.journal.targets()) unforwarded += this.o.journal.count(t);
    return {
      node: this.o.node,
      postgres: this.o.where,
      connected: this.#shared !== null,
      unforwarded,
      nodes,
      leases: Object.fromEntries(rows?.leases ?? []),
      lastError: lastError ? { ...lastError } : null,
      drift: rows ? this.#drift(rows) : [],
    };
  }

  /**
   * Config drift: the targets each recently seen node delivers, against this node's. A target is a
   * notifier's entry (targets.ts): one configured differently on two nodes, even only in its
   * route, is two targets, and its receiver gets the article from both.
   */
  #drift(rows: ClusterRows): string[] {
    const s = this.#shared;
    if (!s) return [];
    const ours = new Set(s.names.values());
    const out: string[] = [];
    for (const n of rows.nodes) {
      if (n.node === this.o.node || n.agoMs >= RECENT_MS) continue;
      const theirs = new Set(n.targets);
      const onlyThere = [...theirs].filter((t) => !ours.has(t)).length;
      const onlyHere = [...ours]
        .filter((t) => !theirs.has(t))
        .map((t) => this.o.labels?.get(s.local.get(t) ?? "") ?? t);
      if (onlyThere === 0 && onlyHere.length === 0) continue;
      const parts: string[] = [];
      if (onlyHere.length > 0)
        parts.push(`notifier(s) only this node has: ${onlyHere.map(printable).join(", ")}`);
      if (onlyThere > 0) parts.push(`${onlyThere} notifier(s) only ${printable(n.node)} has`);
      out.push(
        `config drift with node ${printable(n.node)}: ${parts.join("; ")} (each is delivered by ` +
          "the nodes that have it; a notifier configured differently is two targets, so its " +
          "receiver gets each article twice: make the notifiers: lists alike)",
      );
    }
    return out;
  }

  /** Reads the cluster's rows again and reports the view (onView); every viewMs by itself. */
  async refreshView(): Promise<void> {
    const s = this.#shared;
    if (s && !this.#closed) {
      this.#rows = await s.queue.view().catch(() => this.#rows);
    }
    if (!this.#closed) this.o.onView?.(this.view());
  }

  #connected(c: Connected): void {
    const local = new Map([...c.names].map(([l, s]) => [s, l] as const));
    this.#shared = { ...c, local };
    this.#connectError = null;
    this.#failures = 0;
    c.queue.onWork((name) => {
      const target = local.get(name);
      if (target !== undefined) this.#wake(target);
    });
    for (const target of c.names.keys()) this.#wake(target);
    void this.forward();
  }

  #connectFailed(e: unknown): void {
    const message = errorMessage(e);
    const fatal = this.o.fatal(e);
    if (this.#connectError?.message !== message) {
      this.o.log(
        fatal ? "error" : "warn",
        `${message}; articles wait in the local journal, trying again${fatal ? " (fix the problem above)" : ""}`,
      );
    }
    this.#connectError = { message, at: Date.now() };
    this.#later(() => void this.#reconnect());
  }

  async #reconnect(): Promise<void> {
    if (this.#closed || this.#shared) return;
    try {
      const c = await this.o.connect();
      if (this.#closed) {
        await c.queue.close();
        return;
      }
      this.o.log("info", `PostgreSQL at ${this.o.where} answers: forwarding the local journal`);
      this.#connected(c);
    } catch (e) {
      this.#connectFailed(e);
    }
  }

  async #forwardAll(): Promise<void> {
    for (;;) {
      this.#again = false;
      const s = this.#shared;
      if (!s || this.#closed) return;
      let moved: number;
      try {
        moved = await this.#forwardChunk(s);
      } catch (e) {
        // The shared queue recorded it (lastError) and its pool reconnects: try again later.
        this.#later(() => void this.forward());
        if (this.#failures === 1) {
          this.o.log("warn", `forwarding to PostgreSQL failed (kept here): ${errorMessage(e)}`);
        }
        return;
      }
      this.#failures = 0;
      if (moved === 0 && !this.#again) return;
    }
  }

  /** One pass over the journal, up to CHUNK entries: how many moved to the shared queue. */
  async #forwardChunk(s: Connected): Promise<number> {
    const j = this.o.journal;
    const byArticle = new Map<string, string[]>();
    let n = 0;
    for (const target of j.targets()) {
      if (!s.names.has(target)) continue;
      for (const [id] of j.entries(target)) {
        if (n++ >= CHUNK) break;
        const list = byArticle.get(id);
        if (list) list.push(target);
        else byArticle.set(id, [target]);
      }
    }
    let moved = 0;
    for (const [id, targets] of byArticle) {
      if (this.#closed) break;
      const article = j.read(targets[0] as string, id);
      await s.queue.enqueue(
        article,
        targets.map((t) => s.names.get(t) as string),
      );
      for (const t of targets) await j.doneMany(t, [id]);
      moved += targets.length;
    }
    return moved;
  }

  /** Runs `fn` after the next backoff wait (1 s, doubling up to 30 s), unless closed. */
  #later(fn: () => void): void {
    if (this.#closed || this.#retry) return;
    const { first, max } = this.o.backoffMs ?? { first: 1000, max: 30_000 };
    const ms = Math.min(max, first * 2 ** this.#failures);
    this.#failures++;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      fn();
    }, ms);
    this.#retry.unref();
  }

  #sharedQueue(): SharedQueue {
    const s = this.#shared;
    if (!s) throw new Error(`PostgreSQL at ${this.o.where} is not connected yet`);
    return s.queue;
  }

  #there(work: readonly Work[]): Work[] {
    const s = this.#shared;
    return work.map((w) => ({ ...w, target: s?.names.get(w.target) ?? w.target }));
  }

  #wake(target: string): void {
    for (const listener of this.#listeners) listener(target);
  }
}

function minOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}
