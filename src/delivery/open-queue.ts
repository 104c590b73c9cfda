/**
 * Which delivery queue a watcher uses: the local journal alone (the default), or, with `cluster:`,
 * the journal in front of the PostgreSQL queue shared by every watcher of the site.
 */

import type { ClusterView } from "../stats/stats.js";
import type { Log } from "../util/log.js";
import { ClusterQueue } from "./cluster-queue.js";
import { LocalQueue, type PendingStore } from "./local-queue.js";
import { targetKeys } from "./targets.js";
import type { DeliveryQueue } from "./work.js";

/** What of the config chooses the queue (config/schema.ts's Config has these keys). */
export interface QueueConfig {
  cluster?:
    | { postgres: string; node: string; leaseSeconds: number; retentionDays?: number }
    | undefined;
  notifiers: readonly unknown[];
}

export interface QueueContext {
  log: Log;
  /** The configured notifiers (config order): targets, labels, and which deliver in order. */
  notifiers: readonly { target: string; label: string; concurrency?: number | undefined }[];
  /** status.json and /metrics: the backlog per target, and the cluster's view. */
  stats?: {
    backlogFrom(read: () => ReadonlyMap<string, number>): void;
    cluster(view: ClusterView | null): void;
  };
}

/**
 * The queue for this watcher over its journal (state/outbox.ts, owned and closed by the caller).
 * Cluster mode: wrong credentials, no such database or another program's tables throw a
 * PostgresError (exit 5, nothing written there); an unreachable database is waited for.
 */
export async function openQueue(
  config: QueueConfig,
  journal: PendingStore,
  c: QueueContext,
): Promise<DeliveryQueue> {
  const cluster = config.cluster;
  if (!cluster) return new LocalQueue(journal, { ownsStore: false });
  // Loaded only in cluster mode: node-postgres alone is about 6 MB of a watcher's resident memory
  // once ready, which a site without `cluster:` should not pay (issue 22: start small).
  const { PostgresError, PostgresQueue, redact } = await import("./postgres-queue.js");
  const ordered = new Set<string>();
  const queue = await ClusterQueue.start({
    journal,
    node: cluster.node,
    where: redact(cluster.postgres),
    leaseMs: cluster.leaseSeconds * 1000,
    log: c.log,
    labels: new Map(c.notifiers.map((n) => [n.target, n.label])),
    fatal: (e) => e instanceof PostgresError && e.fatal,
    onView: (view) => c.stats?.cluster(view),
    connect: async () => {
      const q = await PostgresQueue.open({
        url: cluster.postgres,
        node: cluster.node,
        log: c.log,
        ordered: (name) => ordered.has(name),
        // Named by the cluster's key, so that the same notifier entry is one target on every node.
        targetsFor: (key) => targetKeys(config.notifiers, key),
        leaseMs: cluster.leaseSeconds * 1000,
        ...(cluster.retentionDays ? { retentionMs: cluster.retentionDays * 24 * 3600_000 } : {}),
      });
      const names = q.targets;
      const byLocal = new Map<string, string>();
      for (const [i, n] of c.notifiers.entries()) {
        const name = names[i];
        if (name === undefined) continue;
        byLocal.set(n.target, name);
        // One worker (lane.ts): its articles go out in order, across the cluster too.
        if ((n.concurrency ?? 1) <= 1) ordered.add(name);
      }
      return { queue: q, names: byLocal };
    },
  });
  c.stats?.backlogFrom(() => queue.sizes());
  c.log(
    "info",
    `cluster mode: node ${cluster.node}, delivery queue on PostgreSQL at ${redact(cluster.postgres)}` +
      (queue.connected ? "" : " (not reachable yet: articles wait in the local journal)"),
  );
  return queue;
}
