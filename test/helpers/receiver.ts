/**
 * A real HTTP receiver on 127.0.0.1 for tests that exercise webhooks.
 *
 *   const rx = await startReceiver();           // answers 200 to everything
 *   rx.reply(503, 503);                          // then the next two requests get 503, later ones 200
 *   rx.reply({ status: 200, delayMs: 5000 });    // a slow answer (for timeouts)
 *   rx.reply({ status: 429, headers: { "retry-after": "1" } });
 *   await fetch(`${rx.url}/hook`, ...);
 *   const [req] = await rx.waitFor(1);           // { method, path, headers, text, body }
 *   await rx.close();
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  method: string;
  /** Path and query, e.g. "/hook?x=1". */
  path: string;
  /** Lower-cased names, as node:http gives them. */
  headers: IncomingHttpHeaders;
  /** The raw body. */
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  body: unknown;
  /** The status this request was answered with. */
  status: number;
  /** When its body was complete (Date.now()). */
  at: number;
  /** The client's port: one per connection, so equal ports mean a kept-alive connection. */
  remotePort: number;
}

/** One scripted answer: a status, optionally late, with a body and headers. */
export type Reply =
  | number
  | { status: number; delayMs?: number; body?: string; headers?: Record<string, string> };

export interface Receiver {
  /** Base URL without a trailing slash, e.g. "http://127.0.0.1:41234". */
  readonly url: string;
  /** Every request so far, in arrival order (recorded when its body is complete). */
  readonly requests: ReceivedRequest[];
  /** Queues answers for the next requests, one each; when they run out, requests get 200. */
  reply(...replies: Reply[]): void;
  /** Resolves with the first `n` requests once they have arrived; rejects after `timeoutMs`. */
  waitFor(n: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  /** Stops listening and cuts open connections (slow answers included). */
  close(): Promise<void>;
}

/** `port`: a fixed one (a receiver that was down comes up where the notifier sends); default any. */
export async function startReceiver(port = 0): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const replies: Reply[] = [];
  const waiters = new Set<() => void>();
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const next = replies.shift() ?? 200;
      const {
        status,
        delayMs = 0,
        body = "",
        headers = {},
      } = typeof next === "number" ? { status: next } : next;
      const text = Buffer.concat(chunks).toString("utf8");
      requests.push({
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        text,
        body: parseJson(text),
        status,
        at: Date.now(),
        remotePort: req.socket.remotePort ?? 0,
      });
      for (const wake of waiters) wake();
      const answer = () => {
        timers.delete(timer);
        res.writeHead(status, { "content-type": "text/plain", ...headers }).end(body);
      };
      const timer = setTimeout(answer, delayMs);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${bound}`,
    requests,
    reply: (...more) => {
      replies.push(...more);
    },
    waitFor: (n, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (requests.length < n) return;
          finish();
          resolve(requests.slice(0, n));
        };
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`receiver: ${requests.length} of ${n} requests after ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
