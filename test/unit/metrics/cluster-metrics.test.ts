/** Cluster mode's /metrics families: present only in cluster mode, one series per node. */
import { describe, expect, it } from "vitest";
import { exposition } from "../../../src/metrics/exposition.js";
import { clusterFamilies, metricFamilies } from "../../../src/metrics/families.js";
import { type ClusterView, Stats } from "../../../src/stats/stats.js";

const VIEW: ClusterView = {
  node: "news1",
  postgres: "postgresql://db/nn",
  connected: true,
  unforwarded: 2,
  nodes: [
    { node: "news1", seenAgoMs: 1500, recent: true },
    { node: "news2", seenAgoMs: 90_000, recent: false },
  ],
  leases: { news1: 3 },
  lastError: { at: 1_800_000_000_000, message: "unreachable" },
  drift: ["x"],
};

describe("cluster metrics", () => {
  it("not in the exposition without cluster mode", () => {
    const names = metricFamilies(new Stats().snapshot()).map((f) => f.name);
    expect(names.filter((n) => n.startsWith("newsnotify_cluster_"))).toEqual([]);
  });

  it("one series per node; PostgreSQL down while its last error stands", () => {
    const stats = new Stats();
    stats.cluster(VIEW);
    const text = exposition(metricFamilies(stats.snapshot()));
    for (const line of [
      "newsnotify_cluster_postgres_up 0",
      "newsnotify_cluster_postgres_last_error_timestamp_seconds 1800000000",
      "newsnotify_cluster_unforwarded 2",
      'newsnotify_cluster_node_heartbeat_age_seconds{node="news1"} 1.5',
      'newsnotify_cluster_node_heartbeat_age_seconds{node="news2"} 90',
      'newsnotify_cluster_leases{node="news1"} 3',
      'newsnotify_cluster_leases{node="news2"} 0',
      "newsnotify_cluster_config_drift 1",
    ]) {
      expect(text.split("\n")).toContain(line);
    }
    const up = clusterFamilies({ ...VIEW, lastError: null }).find(
      (f) => f.name === "newsnotify_cluster_postgres_up",
    );
    expect(up?.samples).toEqual([{ value: 1 }]);
  });
});
