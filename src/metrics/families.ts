import { SOURCE_NAMES } from "../sources/registry.js";
import { type ClusterView, LATENCY_BUCKETS, type StatsSnapshot } from "../stats/stats.js";
import type { Family } from "./exposition.js";

/** The watcher's counters as Prometheus families (names and help are the README's contract). */
export function metricFamilies(s: StatsSnapshot): Family[] {
  const per = (n: { label: string; target: string }) => ({ notifier: n.label, target: n.target });
  const sources = Object.entries(s.seen).sort(([a], [b]) => a.localeCompare(b));
  return [
    {
      name: "newsnotify_articles_seen_total",
      help: `Articles seen, by how: the trace source (${SOURCE_NAMES.join(", ")}) or catchup.`,
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
      help: "Notifications given up on (refused for good by the target, or dropped past maxBacklog).",
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
