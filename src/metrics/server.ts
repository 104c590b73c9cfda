import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Stats } from "../stats/stats.js";
import { EXIT, errorMessage, UserError } from "../util/errors.js";
import { parseListen } from "../util/listen.js";
import type { Log } from "../util/log.js";
import { EXPOSITION_CONTENT_TYPE, exposition } from "./exposition.js";
import { metricFamilies } from "./families.js";
import { hostAllowed } from "./host-header.js";

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
