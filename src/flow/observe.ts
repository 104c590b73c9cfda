import type { Config } from "../config/schema.js";
import { type MetricsServer, serveMetrics } from "../metrics/server.js";
import { StatusWriter } from "../state/status.js";
import type { Stats } from "../stats/stats.js";
import type { Log } from "../util/log.js";

/**
 * What lets one see a watcher work from outside: stateDir/status.json (for `newsnotify status`) and,
 * when configured, the /metrics endpoint. `close()` writes the status a last time (stopped).
 */
export async function observe(
  config: Config,
  stateDir: string,
  stats: Stats,
  log: Log,
): Promise<{ close(): Promise<void> }> {
  let metrics: MetricsServer | null = null;
  if (config.metrics) {
    const { listen, hosts } = config.metrics;
    metrics = await serveMetrics(listen, stats, log, { hosts });
  }
  const status = new StatusWriter(stateDir, stats, { log, metrics: () => metrics?.url ?? null });
  return {
    close: async () => {
      await metrics?.close();
      await status.stop();
    },
  };
}
