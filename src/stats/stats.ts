/**
 * What a running watcher counts, for `newsnotify status` (stateDir/status.json) and `/metrics`: filled
 * by the flow (articles seen, lost events, catch-up) and the delivery layer (per notifier: delivered,
 * failed attempts, dropped, latency). In memory only, no I/O; it outlives a SIGHUP reload.
 */

/** Upper bounds (seconds) of the delivery latency histogram's buckets; +Inf is implied. */
export const LATENCY_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
] as const;

/** What the delivery layer reports about one notifier (its outbox target key). */
export interface DeliveryRecorder {
  delivered(target: string, messageIds: readonly string[]): void;
  /** One failed attempt; `dropped` when the article is given up on (refused for good). */
  failed(target: string, message: string, dropped: number): void;
  /** Pending entries dropped because the backlog went past the notifier's maxBacklog. */
  overflowed(target: string, count: number): void;
}

export interface Stamp {
  /** ms since the epoch */
  at: number;
}

export interface NotifierStats {
  target: string;
  label: string;
  delivered: number;
  /** Failed attempts (each retry that fails counts). */
  failed: number;
  /** Articles given up on (refused for good, or dropped past maxBacklog). */
  dropped: number;
  lastDelivered: (Stamp & { messageId: string }) | null;
  lastError: (Stamp & { message: string }) | null;
  /** Since when every attempt failed (null: the last attempt succeeded, or none was made). */
  failingSince: number | null;
  /** Cumulative counts per LATENCY_BUCKETS bound, then the total count and sum (seconds). */
  latency: { buckets: number[]; count: number; sum: number };
}

/** Cluster mode as this watcher sees it (delivery/cluster-queue.ts): for status and /metrics. */
export interface ClusterView {
  /** This watcher's node name. */
  node: string;
  /** The database URL without its password. */
  postgres: string;
  /** The shared queue is open (its last call may still have failed: see lastError). */
  connected: boolean;
  /** Notifications journaled here and not yet in PostgreSQL (it was unreachable). */
  unforwarded: number;
  /** Every node the database knows, with the age of its last heartbeat. */
  nodes: { node: string; seenAgoMs: number; recent: boolean }[];
  /** Live leases per node. */
  leases: Record<string, number>;
  /** The last error talking to PostgreSQL; null once it answers again. */
  lastError: (Stamp & { message: string }) | null;
  /** Config drift warnings (notifiers not alike on every node). */
  drift: string[];
}

export interface StatsSnapshot {
  started: number;
  /** The source in use (a name from sources/registry.ts), and since when; null before bpftrace attached. */
  mode: { source: string; detail: string; since: number } | null;
  /** Articles seen, by how: the source's name, or "catchup". */
  seen: Record<string, number>;
  lastArticle: (Stamp & { messageId: string; group: string; via: string }) | null;
  lostEvents: number;
  restarts: number;
  catchUp: { runs: number; articles: number; last: (Stamp & { reason: string }) | null };
  notifiers: NotifierStats[];
  /** Outbox backlog per target (pending notifications). */
  backlog: Record<string, number>;
  /** Cluster mode only (null otherwise). */
  cluster: ClusterView | null;
}

/** How long an article's event time is remembered for the latency of its deliveries. */
const EVENT_TIMES = 16_384;

export class Stats implements DeliveryRecorder {
  readonly started: number;
  #mode: StatsSnapshot["mode"] = null;
  #seen = new Map<string, number>();
  #lastArticle: StatsSnapshot["lastArticle"] = null;
  #lost = 0;
  #restarts = 0;
  #catchUp: StatsSnapshot["catchUp"] = { runs: 0, articles: 0, last: null };
  #notifiers = new Map<string, NotifierStats>();
  /** The targets configured now (a reload may change them), in config order. */
  #current: string[] = [];
  /** When newsnotify first saw each recent article (its trace event, or catch-up finding it). */
  #eventAt = new Map<string, number>();
  #backlog: () => ReadonlyMap<string, number> = () => new Map();
  #changes = 0;
  #cluster: ClusterView | null = null;

  constructor(private readonly now: () => number = Date.now) {
    this.started = now();
  }

  /** Grows on every change: the status file is written only when it moved. */
  get changes(): number {
    return this.#changes;
  }

  /** The notifiers of the running config (their stats survive a reload that keeps them). */
  configure(notifiers: readonly { target: string; label: string }[]): void {
    this.#current = notifiers.map((n) => n.target);
    for (const n of notifiers) {
      const known = this.#notifiers.get(n.target);
      if (known) known.label = n.label;
      else this.#notifiers.set(n.target, emptyNotifier(n.target, n.label));
    }
    this.#changes++;
  }

  /** Where the outbox backlog per target comes from (read when a snapshot is taken). */
  backlogFrom(read: () => ReadonlyMap<string, number>): void {
    this.#backlog = read;
  }

  /** Cluster mode: the cluster as last read (counts as a change only when it moved). */
  cluster(view: ClusterView | null): void {
    if (JSON.stringify(view) === JSON.stringify(this.#cluster)) return;
    this.#cluster = view;
    this.#changes++;
  }

  /** bpftrace attached (at start, after a restart, after a handover). */
  attached(source: string, detail: string, restarts: number): void {
    if (this.#mode?.source !== source || this.#mode.detail !== detail)
      this.#mode = { source, detail, since: this.now() };
    this.#restarts = Math.max(this.#restarts, restarts);
    this.#changes++;
  }

  /** A trace event arrived (or catch-up found an article) at `at`; the article follows. */
  seen(article: { messageId: string; group: string }, via: string, at = this.now()): void {
    const how = via === "trace" ? (this.#mode?.source ?? "trace") : via;
    this.#seen.set(how, (this.#seen.get(how) ?? 0) + 1);
    this.#lastArticle = { messageId: article.messageId, group: article.group, at, via: how };
    this.#eventAt.delete(article.messageId);
    this.#eventAt.set(article.messageId, at);
    if (this.#eventAt.size > EVENT_TIMES) {
      this.#eventAt.delete(this.#eventAt.keys().next().value as string);
    }
    this.#changes++;
  }

  lost(count: number): void {
    this.#lost += count;
    this.#changes++;
  }

  catchUpRun(reason: string, articles: number): void {
    this.#catchUp.runs++;
    this.#catchUp.articles += articles;
    this.#catchUp.last = { at: this.now(), reason };
    this.#changes++;
  }

  delivered(target: string, messageIds: readonly string[]): void {
    const n = this.#notifier(target);
    const now = this.now();
    for (const id of messageIds) {
      n.delivered++;
      n.lastDelivered = { messageId: id, at: now };
      const t = this.#eventAt.get(id);
      // Articles resent from an earlier run have no event time here: no latency for them.
      if (t !== undefined) observe(n.latency, Math.max(0, now - t) / 1000);
    }
    n.failingSince = null;
    this.#changes++;
  }

  failed(target: string, message: string, dropped: number): void {
    const n = this.#notifier(target);
    const now = this.now();
    n.failed++;
    n.dropped += dropped;
    n.lastError = { message, at: now };
    n.failingSince ??= now;
    this.#changes++;
  }

  overflowed(target: string, count: number): void {
    this.#notifier(target).dropped += count;
    this.#changes++;
  }

  snapshot(): StatsSnapshot {
    const backlog = this.#backlog();
    return {
      started: this.started,
      mode: this.#mode && { ...this.#mode },
      seen: Object.fromEntries(this.#seen),
      lastArticle: this.#lastArticle && { ...this.#lastArticle },
      lostEvents: this.#lost,
      restarts: this.#restarts,
      catchUp: { ...this.#catchUp, last: this.#catchUp.last && { ...this.#catchUp.last } },
      notifiers: this.#current.map((t) => structuredClone(this.#notifier(t))),
      backlog: Object.fromEntries(this.#current.map((t) => [t, backlog.get(t) ?? 0])),
      cluster: this.#cluster && structuredClone(this.#cluster),
    };
  }

  #notifier(target: string): NotifierStats {
    let n = this.#notifiers.get(target);
    if (!n) {
      n = emptyNotifier(target, target);
      this.#notifiers.set(target, n);
    }
    return n;
  }
}

/** A notifier with nothing counted yet. */
export function emptyNotifier(target: string, label: string): NotifierStats {
  return {
    target,
    label,
    delivered: 0,
    failed: 0,
    dropped: 0,
    lastDelivered: null,
    lastError: null,
    failingSince: null,
    latency: { buckets: LATENCY_BUCKETS.map(() => 0), count: 0, sum: 0 },
  };
}

function observe(h: NotifierStats["latency"], seconds: number): void {
  for (const [i, bound] of LATENCY_BUCKETS.entries()) {
    if (seconds <= bound) h.buckets[i] = (h.buckets[i] ?? 0) + 1;
  }
  h.count++;
  h.sum += seconds;
}
