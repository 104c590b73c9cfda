/**
 * The /metrics server's limits over a real loopback socket: a Host that is not ours (DNS
 * rebinding) gets 421, a client that never finishes its headers is cut off, and connections past
 * maxConnections are closed. Timeouts are shrunk through `limits`; no test bounds how long anything
 * takes, each waits for the server to act.
 */
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { METRICS_LIMITS, type MetricsServer, serveMetrics } from "../../../src/metrics/server.js";
import { Stats } from "../../../src/stats/stats.js";

let server: MetricsServer | null = null;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await server?.close();
  server = null;
});

async function start(o: Parameters<typeof serveMetrics>[3] = {}): Promise<URL> {
  server = await serveMetrics("127.0.0.1:0", new Stats(), () => {}, o);
  return new URL(server.url);
}

/**
 * Opens a socket and writes `request`; `first` resolves with the first complete response (on a
 * kept-alive socket), `closed` with all it read once the server closed it.
 */
function exchange(url: URL, request: string) {
  const socket = connect(Number(url.port), url.hostname);
  sockets.push(socket);
  let got = "";
  let gotFirst: (text: string) => void = () => {};
  const first = new Promise<string>((resolve) => {
    gotFirst = resolve;
  });
  socket.setEncoding("latin1");
  socket.on("data", (d: string) => {
    got += d;
    // The exposition is sent chunked: the response ends with the empty chunk.
    if (got.endsWith("\r\n0\r\n\r\n")) gotFirst(got);
  });
  socket.on("error", () => {});
  const closed = new Promise<string>((resolve) => socket.on("close", () => resolve(got)));
  socket.write(request);
  return { socket, first, closed };
}

const get = (host: string) => `GET /metrics HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;

describe("the /metrics server", () => {
  it.each([
    ["127.0.0.1:PORT", 200],
    ["localhost:PORT", 200],
    ["prometheus.example.net:PORT", 200],
    ["evil.example:PORT", 421],
    ["127.0.0.1.evil.example", 421],
  ])("Host: %s → %i", async (host, status) => {
    const url = await start({ hosts: ["prometheus.example.net"] });
    const reply = await exchange(url, get(host.replace("PORT", url.port))).closed;
    expect(reply.split("\r\n")[0]).toBe(
      `HTTP/1.1 ${status} ${status === 200 ? "OK" : "Misdirected Request"}`,
    );
    if (status !== 200) expect(reply).not.toContain("newsnotify_");
  });

  it("refuses a request without a Host header", async () => {
    const url = await start();
    const reply = await exchange(url, "GET /metrics HTTP/1.0\r\n\r\n").closed;
    expect(reply).toMatch(/^HTTP\/1\.1 421 /);
  });

  it("cuts off a client whose headers never end (408)", async () => {
    const url = await start({
      limits: { ...METRICS_LIMITS, headersTimeoutMs: 200, checkIntervalMs: 50 },
    });
    const { closed } = exchange(url, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1");
    expect(await closed).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("closes connections past maxConnections, and serves again once one is gone", async () => {
    const url = await start({ limits: { ...METRICS_LIMITS, maxConnections: 2 } });
    const keep = `GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
    // Two kept-alive connections, each answered: the server now holds both.
    const held = [exchange(url, keep), exchange(url, keep)];
    for (const h of held) expect(await h.first).toMatch(/^HTTP\/1\.1 200 /);
    // A third is closed without an answer.
    expect(await exchange(url, get("127.0.0.1")).closed).toBe("");
    held[0]?.socket.destroy();
    await held[0]?.closed;
    // The server sees the close in its own time: retry until a connection is answered again.
    for (;;) {
      const reply = await exchange(url, get("127.0.0.1")).closed;
      if (reply !== "") {
        expect(reply).toMatch(/^HTTP\/1\.1 200 /);
        break;
      }
    }
  });

  it("uses short limits by default", () => {
    expect(METRICS_LIMITS.maxConnections).toBeLessThanOrEqual(64);
    expect(METRICS_LIMITS.headersTimeoutMs).toBeLessThanOrEqual(10_000);
    expect(METRICS_LIMITS.requestTimeoutMs).toBeLessThanOrEqual(30_000);
  });
});
