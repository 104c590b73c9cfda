/**
 * The delivery queue on PostgreSQL, shared by every watcher of a site (cluster mode): the first
 * watcher to see an article enqueues it for its targets (INSERT … ON CONFLICT DO NOTHING, one
 * transaction); every watcher's workers claim due rows with FOR UPDATE SKIP LOCKED and a lease on
 * the database's clock (now() + interval), so a worker killed between claim and done loses
 * nothing: its lease runs out and another worker delivers.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { Article } from "../article/article.js";
import { EnvironmentError, errorMessage } from "../util/errors.js";
import type { Log } from "../util/log.js";
import { LeaseRenewal } from "./lease-renewal.js";
import type { OverflowPlan } from "./overflow.js";
import { overflowRows } from "./postgres-overflow.js";
import { type Pruned, prune, RETENTION_MS } from "./postgres-prune.js";
import { migrate } from "./postgres-schema.js";
import { type Backlog, type DeliveryQueue, LEASE_MS, type Work } from "./work.js";

export interface PostgresQueueOptions {
  /** postgresql://user:password@host:port/database */
  url: string;
  /** This watcher's name in the cluster (leases and the nodes table say who). */
  node: string;
  log?: Log;
  /** How often the backlog is read and the node's heartbeat written (default 1 s). */
  pollMs?: number;
  /**
   * Targets delivered in strict order (a lane with one worker): one claim at a time over the
   * whole cluster, and none while another node holds a live lease on the target.
   */
  ordered?: (target: string) => boolean;
  /** A failed attempt's row stays the claimer's until its retry time plus this (default LEASE_MS). */
  leaseMs?: number;
  /**
   * The targets this node delivers, named under the cluster's target key (read at open), written
   * with every heartbeat from the first on (config drift shows in status).
   */
  targetsFor?: (clusterKey: Buffer) => readonly string[];
  /** Finished rows are pruned this long after they finished (default a week: postgres-prune.ts). */
  retentionMs?: number;
  /** How often this node tries to prune (default an hour; one node at a time does). */
  pruneEveryMs?: number;
  /** Rows deleted per transaction when pruning (default 1000). */
  pruneBatch?: number;
}

/** A PostgreSQL problem at open: `fatal` when waiting will not fix it (credentials, foreign tables). */
export class PostgresError extends EnvironmentError {
  constructor(
    message: string,
    readonly fatal: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "PostgresError";
  }
}

/** One node as the nodes table has it. */
export interface NodeSeen {
  node: string;
  /** How long ago its last heartbeat was, on the database's clock (ms). */
  agoMs: number;
  targets: string[];
}

/** What the cluster looks like from the database: nodes, leases per node, backlog per target. */
export interface ClusterRows {
  nodes: NodeSeen[];
  leases: Map<string, number>;
  backlog: Map<string, Backlog>;
}

/** Problems that no retry will fix: wrong credentials, no such database or host. */
const FATAL = new Set(["28P01", "28000", "3D000", "ENOTFOUND", "EAI_AGAIN"]);

/** A PostgreSQL error as one line naming the problem; `fatal` when waiting will not fix it. */
export function pgProblem(url: string, e: unknown): { fatal: boolean; message: string } {
  const code = (e as { code?: string } | null)?.code ?? "";
  const where = redact(url);
  const what =
    code === "28P01" || code === "28000"
      ? "wrong credentials (check the user and password in cluster.postgres)"
      : code === "3D000"
        ? "no such database (create it: CREATE DATABASE newsnotify OWNER newsnotify)"
        : code === "ENOTFOUND" || code === "EAI_AGAIN"
          ? "no such host"
          : "unreachable for now (newsnotify keeps trying; notifications wait in the local journal)";
  return {
    fatal: FATAL.has(code),
    message: `PostgreSQL at ${where}: ${what}: ${errorMessage(e)}`,
  };
}

/** The URL without its password, for messages and status. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(a malformed URL)";
  }
}

export class PostgresQueue implements DeliveryQueue {
  readonly #listeners = new Set<(target: string) => void>();
  /** The backlog as last read (per target), for size() and backlog(). */
  #backlog = new Map<string, Backlog>();
  #timer: NodeJS.Timeout | null = null;
  #pruneTimer: NodeJS.Timeout | null = null;
  #closed = false;
  /** The last error talking to PostgreSQL, for status and /metrics; null once it answers again. */
  lastError: { message: string; at: number } | null = null;
  /** Renews the leases of claims whose sends are running (lease-renewal.ts). */
  readonly #renewal: LeaseRenewal;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly o: PostgresQueueOptions,
    /** The cluster's target key (the same on every node): see targets.ts. */
    readonly targetKey: Buffer,
    /** This node's targets as targetsFor named them. */
    readonly targets: readonly string[],
  ) {
    this.#renewal = new LeaseRenewal({
      leaseMs: o.leaseMs ?? LEASE_MS,
      renew: (held) => this.#renew(held),
      ...(o.log ? { log: o.log } : {}),
    });
  }

  /**
   * Connects, creates or migrates the schema and starts polling. Wrong credentials, no such
   * database or host, or a database of another program's tables: an EnvironmentError (exit 5)
   * naming the problem, with nothing written.
   */
  static async open(o: PostgresQueueOptions): Promise<PostgresQueue> {
    const pool = new pg.Pool({
      connectionString: o.url,
      max: 4,
      connectionTimeoutMillis: 10_000,
      // Idle connections do not keep a stopped watcher's process alive.
      allowExitOnIdle: true,
    });
    // An idle client's connection dropping (PostgreSQL restarted) must not crash the process.
    pool.on("error", () => {});
    let key: string;
    try {
      const client = await pool.connect();
      const ignore = () => {};
      client.on("error", ignore);
      try {
        await migrate(client);
        key = await clusterKey(client);
      } finally {
        client.off("error", ignore);
        client.release();
      }
    } catch (e) {
      await pool.end().catch(() => {});
      // Refused by migrate (another program's tables, a newer schema): no wait fixes that.
      if (e instanceof EnvironmentError) throw new PostgresError(e.message, true, { cause: e });
      const problem = pgProblem(o.url, e);
      throw new PostgresError(problem.message, problem.fatal, { cause: e });
    }
    const sharedKey = Buffer.from(key, "hex");
    const queue = new PostgresQueue(pool, o, sharedKey, o.targetsFor?.(sharedKey) ?? []);
    await queue.#poll();
    queue.#timer = setInterval(() => void queue.#poll(), o.pollMs ?? 1000);
    queue.#timer.unref();
    queue.#schedulePruning();
    return queue;
  }

  async enqueue(article: Article, targets: readonly string[]): Promise<string[]> {
    if (targets.length === 0) return [];
    const fresh = await this.#transaction(async (c) => {
      await c.query(
        `INSERT INTO newsnotify_articles (message_id, article, enqueued_by) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING`,
        [article.messageId, JSON.stringify(article), this.o.node],
      );
      const r = await c.query<{ target: string }>(
        `INSERT INTO newsnotify_deliveries (target, message_id)
         SELECT t, $2 FROM unnest($1::text[]) AS t
         ON CONFLICT DO NOTHING RETURNING target`,
        [targets, article.messageId],
      );
      return r.rows.map((row) => row.target);
    });
    for (const target of fresh) {
      const b = this.#backlog.get(target) ?? { pending: 0, oldest: Date.now() };
      b.pending++;
      this.#backlog.set(target, b);
      this.#wake(target);
    }
    return fresh;
  }

  async claim(target: string, max: number, leaseMs: number): Promise<Work[]> {
    const ordered = this.o.ordered?.(target) ?? false;
    const rows = await this.#transaction(async (c) => {
      // Ordered: claims of this target take turns (the lock is the transaction's), and wait for
      // another node's lease to end, so the cluster sends this target's articles in order.
      if (ordered) await c.query("SELECT pg_advisory_xact_lock(hashtext($1))", [target]);
      const r = await c.query<{ message_id: string; article: Article; since: Date; id: string }>(
        `UPDATE newsnotify_deliveries d
            SET due_at = now() + $3 * interval '1 millisecond', leased_by = $4
           FROM (SELECT target, message_id FROM newsnotify_deliveries
                  WHERE target = $1 AND state = 'pending' AND due_at <= now()
                    AND NOT ($5 AND EXISTS (
                      SELECT 1 FROM newsnotify_deliveries o
                       WHERE o.target = $1 AND o.state = 'pending' AND o.leased_by <> $4
                         AND o.due_at > now()))
                  ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) c,
                newsnotify_articles a
          WHERE d.target = c.target AND d.message_id = c.message_id AND a.message_id = c.message_id
          RETURNING d.message_id, a.article, d.enqueued_at AS since, d.id`,
        [target, max, leaseMs, this.o.node, ordered],
      );
      return r.rows;
    });
    const work = rows
      .sort((a, b) => Number(a.id) - Number(b.id))
      .map((row) => ({
        target,
        messageId: row.message_id,
        article: row.article,
        since: row.since.getTime(),
      }));
    this.#renewal.hold(work);
    return work;
  }

  async done(work: readonly Work[]): Promise<void> {
    await this.#finish(work, "done", null);
  }

  async failed(work: readonly Work[], retryAt: number): Promise<void> {
    // Still this worker's (it tries again at retryAt, in process): renewal goes on, and never
    // shortens the hold this sets (see #renew).
    // The retry time is the watcher's; the lease is on the database's clock: only the wait moves.
    const waitMs = Math.max(0, retryAt - Date.now());
    await this.#each(work, (target, ids) =>
      this.#query(
        `UPDATE newsnotify_deliveries
            SET attempts = attempts + 1, due_at = now() + ($3::bigint + $4::bigint) * interval '1 millisecond'
          WHERE target = $1 AND message_id = ANY($2) AND state = 'pending'`,
        [target, ids, waitMs, this.o.leaseMs ?? LEASE_MS],
      ),
    );
  }

  async dropped(work: Work, why: string): Promise<void> {
    await this.#finish([work], "dropped", why);
  }

  async release(work: readonly Work[]): Promise<void> {
    this.#renewal.letGo(work);
    await this.#each(work, (target, ids) =>
      this.#query(
        `UPDATE newsnotify_deliveries SET due_at = now(), leased_by = NULL
          WHERE target = $1 AND message_id = ANY($2) AND state = 'pending' AND leased_by = $3`,
        [target, ids, this.o.node],
      ),
    );
  }

  /** maxBacklog over the shared table (postgres-overflow.ts). */
  async overflow(target: string, cap: number): Promise<OverflowPlan | null> {
    const plan = await this.#transaction((c) => overflowRows(c, target, cap, this.o.node));
    const b = this.#backlog.get(target);
    if (plan && b) b.pending = Math.max(0, b.pending - plan.drop.length + (plan.rewrite ? 0 : 1));
    if (plan) this.#wake(target);
    return plan;
  }

  async backlog(): Promise<Map<string, Backlog>> {
    await this.#poll();
    return new Map(this.#backlog);
  }

  size(target: string): number {
    return this.#backlog.get(target)?.pending ?? 0;
  }

  onWork(listener: (target: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Rows are committed before enqueue resolves: PostgreSQL's own durability. */
  async sync(): Promise<void> {}

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#pruneTimer) clearInterval(this.#pruneTimer);
    this.#renewal.close();
    this.#listeners.clear();
    await this.pool.end();
  }

  /**
   * Deletes what finished longer ago than the retention (postgres-prune.ts); null when another
   * node is pruning now.
   */
  prune(): Promise<Pruned | null> {
    return this.#withClient(
      (c) =>
        prune(c, {
          retentionMs: this.o.retentionMs ?? RETENTION_MS,
          ...(this.o.pruneBatch ? { batch: this.o.pruneBatch } : {}),
        }),
      // Destroyed on any error: its session may still hold the advisory lock.
      async (e) => (e instanceof Error ? e : new Error(String(e))),
    );
  }

  #schedulePruning(): void {
    this.#pruneTimer = setInterval(() => {
      this.prune()
        .then((p) => {
          if (p && p.deliveries + p.articles > 0) {
            this.o.log?.(
              "info",
              `pruned ${p.deliveries} finished notification(s) and ${p.articles} article(s) from PostgreSQL`,
            );
          }
        })
        .catch(() => {});
    }, this.o.pruneEveryMs ?? 3600_000);
    this.#pruneTimer.unref();
  }

  /** Nodes, leases and backlog as the database has them now (for status and /metrics). */
  async view(): Promise<ClusterRows> {
    const nodes = await this.#query<{ node: string; ago: string; targets: string[] }>(
      `SELECT node, (extract(epoch FROM now() - seen_at) * 1000)::bigint AS ago, targets
         FROM newsnotify_nodes ORDER BY node`,
    );
    const leases = await this.leases();
    return {
      nodes: nodes.rows.map((r) => ({ node: r.node, agoMs: Number(r.ago), targets: r.targets })),
      leases,
      backlog: await this.backlog(),
    };
  }

  /** Leases held now, per node (for status). */
  async leases(): Promise<Map<string, number>> {
    const r = await this.#query<{ node: string; n: string }>(
      `SELECT leased_by AS node, count(*) AS n FROM newsnotify_deliveries
        WHERE state = 'pending' AND leased_by IS NOT NULL AND due_at > now() GROUP BY leased_by`,
    );
    return new Map(r.rows.map((row) => [row.node, Number(row.n)]));
  }

  async #finish(work: readonly Work[], state: "done" | "dropped", why: string | null) {
    this.#renewal.letGo(work);
    await this.#each(work, (target, ids) =>
      this.#query(
        `UPDATE newsnotify_deliveries
            SET state = $3, finished_at = now(), finished_by = $4, why = $5, leased_by = NULL
          WHERE target = $1 AND message_id = ANY($2) AND state = 'pending'`,
        [target, ids, state, this.o.node, why],
      ),
    );
    for (const w of work) {
      const b = this.#backlog.get(w.target);
      if (b && b.pending > 0) b.pending--;
    }
  }

  /**
   * Extends the leases this node still holds to a whole lease from now (on the database's clock;
   * a failed attempt's longer hold until its retry time is kept); returns
   * the ones it no longer holds (another node claimed them after this one stalled past the lease,
   * or they were finished).
   */
  async #renew(held: readonly Work[]): Promise<Work[]> {
    const kept = new Set<string>();
    await this.#each(held, async (target, ids) => {
      const r = await this.#query<{ message_id: string }>(
        `UPDATE newsnotify_deliveries
            SET due_at = greatest(due_at, now() + $3 * interval '1 millisecond')
          WHERE target = $1 AND message_id = ANY($2) AND state = 'pending' AND leased_by = $4
          RETURNING message_id`,
        [target, ids, this.o.leaseMs ?? LEASE_MS, this.o.node],
      );
      for (const row of r.rows) kept.add(`${target}\u0000${row.message_id}`);
    });
    return held.filter((w) => !kept.has(`${w.target}\u0000${w.messageId}`));
  }

  async #each(
    work: readonly Work[],
    run: (target: string, ids: string[]) => Promise<unknown>,
  ): Promise<void> {
    const byTarget = new Map<string, string[]>();
    for (const w of work) byTarget.set(w.target, [...(byTarget.get(w.target) ?? []), w.messageId]);
    for (const [target, ids] of byTarget) await run(target, ids);
  }

  /** Reads the backlog, writes this node's heartbeat, and wakes the lanes that have due work. */
  async #poll(): Promise<void> {
    if (this.#closed) return;
    try {
      const r = await this.#query<{ target: string; pending: string; oldest: Date; due: string }>(
        `SELECT target, count(*) AS pending, min(enqueued_at) AS oldest,
                count(*) FILTER (WHERE due_at <= now()) AS due
           FROM newsnotify_deliveries WHERE state = 'pending' GROUP BY target`,
      );
      await this.#query(
        `INSERT INTO newsnotify_nodes (node, seen_at, targets) VALUES ($1, now(), $2)
         ON CONFLICT (node) DO UPDATE SET seen_at = now(), targets = $2`,
        [this.o.node, [...this.targets]],
      );
      const next = new Map<string, Backlog>();
      for (const row of r.rows) {
        next.set(row.target, { pending: Number(row.pending), oldest: row.oldest.getTime() });
      }
      this.#backlog = next;
      for (const row of r.rows) if (Number(row.due) > 0) this.#wake(row.target);
    } catch {
      // Already recorded in lastError by #query; the next poll tries again.
    }
  }

  async #query<R extends pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>> {
    try {
      const r = await this.pool.query<R>(text, values);
      this.lastError = null;
      return r;
    } catch (e) {
      this.#failedWith(e);
      throw e;
    }
  }

  #transaction<T>(run: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.#withClient(
      async (c) => {
        await c.query("BEGIN");
        const out = await run(c);
        await c.query("COMMIT");
        return out;
      },
      (_e, c) =>
        c.query("ROLLBACK").then(
          () => undefined,
          (x: Error) => x,
        ),
    );
  }

  /**
   * Runs `run` on a client of the pool. `broken` says, after a failure, whether the client must be
   * destroyed rather than given back (the error to destroy it with), e.g. when ROLLBACK failed.
   */
  async #withClient<T>(
    run: (c: pg.PoolClient) => Promise<T>,
    broken: (e: unknown, c: pg.PoolClient) => Promise<Error | undefined>,
  ): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      this.#failedWith(e);
      throw e;
    }
    // A connection lost while checked out (PostgreSQL restarted) is an 'error' event: without a
    // listener it would crash the watcher; the query in progress rejects anyway.
    const ignore = () => {};
    client.on("error", ignore);
    let destroy: Error | undefined;
    try {
      const out = await run(client);
      this.lastError = null;
      return out;
    } catch (e) {
      destroy = await broken(e, client);
      this.#failedWith(e);
      throw e;
    } finally {
      client.off("error", ignore);
      client.release(destroy);
    }
  }

  #failedWith(e: unknown): void {
    const message = pgProblem(this.o.url, e).message;
    if (this.lastError?.message !== message) this.o.log?.("warn", message);
    this.lastError = { message, at: Date.now() };
  }

  #wake(target: string): void {
    for (const listener of this.#listeners) listener(target);
  }
}

/** The cluster's target key: made by the first watcher, read by every other (64 hex digits). */
async function clusterKey(client: pg.PoolClient): Promise<string> {
  await client.query(
    "INSERT INTO newsnotify_cluster (id, target_key) VALUES (1, $1) ON CONFLICT DO NOTHING",
    [randomBytes(32).toString("hex")],
  );
  const r = await client.query<{ key: string }>(
    "SELECT target_key AS key FROM newsnotify_cluster WHERE id = 1",
  );
  const key = r.rows[0]?.key ?? "";
  if (!/^[0-9a-f]{64}$/.test(key)) {
    throw new EnvironmentError(
      "PostgreSQL: newsnotify_cluster.target_key is not a key newsnotify wrote (64 hex digits)",
    );
  }
  return key;
}
