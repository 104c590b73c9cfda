import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { EXIT, errorMessage, UserError } from "../util/errors.js";
import { EXPOSITION_CONTENT_TYPE, exposition, type Family } from "../util/exposition.js";
import { hostAllowed } from "../util/host-header.js";
import { parseListen } from "../util/listen.js";
import type { Log } from "../util/log.js";
import {
  type ClusterView,
  LATENCY_BUCKETS,
  type Stats,
  type StatsSnapshot,
} from "../util/stats.js";

/** The watcher's counters as Prometheus families (names and help are the README's contract). */
export function metricFamilies(s: StatsSnapshot): Family[] {
  const per = (n: { label: string; target: string }) => ({ notifier: n.label, target: n.target });
  const sources = Object.entries(s.seen).sort(([a], [b]) => a.localeCompare(b));
  return [
    {
      name: "newsnotify_articles_seen_total",
      help: "Articles seen, by how: the trace source (kprobe, tracepoint, uprobe) or catchup.",
      type: "counter",
      samples: sources.map(([source, value]) => ({ labels: { source }, value })),
    },
    {
      name: "newsnotify_notifications_delivered_total",
      help: "Notifications the notifier's target accepted.",
      type: "counter",
      samples: s.notifiers.map((n) => ({ labels: per(n), value: n.delivered })),
    },
    {
      name: "newsnotify_notifications_failed_total",
      help: "Failed delivery attempts (each failed retry counts).",
      type: "counter",
      samples: s.notifiers.map((n) => ({ labels: per(n), value: n.failed })),
    },
    {
      name: "newsnotify_notifications_dropped_total",
      help: "Notifications given up on (refused for good by the target).",
      type: "counter",
      samples: s.notifiers.map((n) => ({ labels: per(n), value: n.dropped })),
    },
    {
      name: "newsnotify_notifier_failing",
      help: "1 while every attempt since the last success failed.",
      type: "gauge",
      samples: s.notifiers.map((n) => ({ labels: per(n), value: n.failingSince === null ? 0 : 1 })),
    },
    {
      name: "newsnotify_outbox_backlog",
      help: "Notifications journaled in the outbox and not yet delivered.",
      type: "gauge",
      samples: s.notifiers.map((n) => ({ labels: per(n), value: s.backlog[n.target] ?? 0 })),
    },
    {
      name: "newsnotify_delivery_latency_seconds",
      help: "From the article's trace event (or catch-up finding it) to the target's acceptance.",
      type: "histogram",
      bounds: LATENCY_BUCKETS,
      samples: s.notifiers.map((n) => ({ labels: per(n), ...n.latency })),
    },
    {
      name: "newsnotify_trace_lost_events_total",
      help: "Events bpftrace reported lost (the spool is then reconciled).",
      type: "counter",
      samples: [{ value: s.lostEvents }],
    },
    {
      name: "newsnotify_bpftrace_restarts_total",
      help: "Times bpftrace was restarted after it died.",
      type: "counter",
      samples: [{ value: s.restarts }],
    },
    {
      name: "newsnotify_catchup_runs_total",
      help: "Catch-up runs (start, restarts, lost events, periodic).",
      type: "counter",
      samples: [{ value: s.catchUp.runs }],
    },
    {
      name: "newsnotify_catchup_articles_total",
      help: "Articles catch-up found unseen and notified.",
      type: "counter",
      samples: [{ value: s.catchUp.articles }],
    },
    {
      name: "newsnotify_last_article_timestamp_seconds",
      help: "When the last article was seen (0: none yet).",
      type: "gauge",
      samples: [{ value: (s.lastArticle?.at ?? 0) / 1000 }],
    },
    {
      name: "newsnotify_source_info",
      help: "The trace source in use (1), by name.",
      type: "gauge",
      samples: s.mode ? [{ labels: { source: s.mode.source }, value: 1 }] : [],
    },
    {
      name: "newsnotify_start_time_seconds",
      help: "When this watcher started.",
      type: "gauge",
      samples: [{ value: s.started / 1000 }],
    },
    ...(s.cluster ? clusterFamilies(s.cluster) : []),
  ];
}

/** Cluster mode (`cluster:`): the nodes, leases and PostgreSQL as this watcher last read them. */
export function clusterFamilies(c: ClusterView): Family[] {
  return [
    {
      name: "newsnotify_cluster_postgres_up",
      help: "1 while PostgreSQL answers this watcher (0: notifications wait in the local journal).",
      type: "gauge",
      samples: [{ value: c.connected && c.lastError === null ? 1 : 0 }],
    },
    {
      name: "newsnotify_cluster_postgres_last_error_timestamp_seconds",
      help: "When talking to PostgreSQL last failed, while it fails (0: it answers).",
      type: "gauge",
      samples: [{ value: (c.lastError?.at ?? 0) / 1000 }],
    },
    {
      name: "newsnotify_cluster_unforwarded",
      help: "Notifications journaled by this watcher and not yet in PostgreSQL.",
      type: "gauge",
      samples: [{ value: c.unforwarded }],
    },
    {
      name: "newsnotify_cluster_node_heartbeat_age_seconds",
      help: "Per node the database knows: seconds since its last heartbeat.",
      type: "gauge",
      samples: c.nodes.map((n) => ({ labels: { node: n.node }, value: n.seenAgoMs / 1000 })),
    },
    {
      name: "newsnotify_cluster_leases",
      help: "Live claims per node: notifications being delivered now.",
      type: "gauge",
      samples: c.nodes.map((n) => ({ labels: { node: n.node }, value: c.leases[n.node] ?? 0 })),
    },
    {
      name: "newsnotify_cluster_config_drift",
      help: "Recently seen nodes whose notifiers differ from this watcher's (see status).",
      type: "gauge",
      samples: [{ value: c.drift.length }],
    },
  ];
}

export interface MetricsServer {
  /** http://HOST:PORT/metrics, with the port the kernel chose for port 0. */
  url: string;
  close(): Promise<void>;
}

/**
 * What one scraper (or a few people with curl) needs, and no more: the endpoint shares a host with
 * innd, so a client that opens sockets and never finishes its headers must not hold them.
 */
export const METRICS_LIMITS = {
  /** Open connections at once; node closes any further one as soon as it is accepted. */
  maxConnections: 16,
  /** The whole header must arrive within this (node's default is 60 s). */
  headersTimeoutMs: 5_000,
  /** The whole request, body included (node's default is 300 s). */
  requestTimeoutMs: 10_000,
  /** How often node looks for connections past those timeouts (its default is every 30 s). */
  checkIntervalMs: 1_000,
};

export interface MetricsOptions {
  /** Names besides IP literals and localhost that the Host header may carry (DNS rebinding guard). */
  hosts?: readonly string[];
  limits?: typeof METRICS_LIMITS;
}

/**
 * Serves GET /metrics (and nothing else) on `listen`; fails (exit 5) when the address is taken. A
 * Host header that is not an IP literal, localhost or one of `hosts` gets 421 (see hostAllowed).
 */
export async function serveMetrics(
  listen: string,
  stats: Stats,
  log: Log,
  o: MetricsOptions = {},
): Promise<MetricsServer> {
  const at = parseListen(listen);
  if (typeof at === "string") throw new UserError(`metrics.listen: ${at}`);
  const limits = o.limits ?? METRICS_LIMITS;
  const hosts = o.hosts ?? [];
  const server: Server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
      keepAliveTimeout: Math.min(5_000, limits.requestTimeoutMs),
    },
    (req, res) => {
      const path = (req.url ?? "").split("?")[0];
      if (!hostAllowed(req.headers.host, hosts)) {
        res
          .writeHead(421, { "Content-Type": "text/plain", Connection: "close" })
          .end("unknown Host: add it to metrics.hosts\n");
      } else if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { Allow: "GET, HEAD" }).end();
      } else if (path !== "/metrics") {
        res.writeHead(404, { "Content-Type": "text/plain" }).end("see /metrics\n");
      } else {
        const body = exposition(metricFamilies(stats.snapshot()));
        res.writeHead(200, { "Content-Type": EXPOSITION_CONTENT_TYPE });
        res.end(req.method === "HEAD" ? undefined : body);
      }
    },
  );
  server.maxConnections = limits.maxConnections;
  // An idle socket between requests, or one that stalls mid-response, is not kept either.
  server.setTimeout(limits.requestTimeoutMs, (socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(at.port, at.host, () => {
      server.off("error", reject);
      resolve();
    });
  }).catch((e: unknown) => {
    throw new UserError(
      `metrics.listen ${listen}: cannot listen (${errorMessage(e)}); choose another port`,
      EXIT.environment,
    );
  });
  server.on("error", (e) => log("warn", `metrics endpoint: ${errorMessage(e)}`));
  const port = (server.address() as AddressInfo).port;
  const host = at.host.includes(":") ? `[${at.host}]` : at.host;
  const url = `http://${host}:${port}/metrics`;
  log("info", `metrics: serving ${url}`);
  return {
    url,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
