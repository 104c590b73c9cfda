/**
 * The webhook's HTTP client: node's own http/https with keep-alive, same contract as sendHttp (one
 * attempt, a timeout, DeliveryError saying whether a retry can help and how long to wait).
 *
 * Why not ky like the other notifiers: a webhook is newsnotify's hot path (a peer's feed files
 * thousands of articles a minute, one request each unless batched), and ky on top of fetch costs
 * about 0.7 ms of CPU per request against 0.15 ms here (bench/micro.mjs, node 20); in a burst of
 * 10,000 that was most of newsnotify's CPU. Chat services are rate-limited to about one message a
 * second, where that cost does not matter, so they keep ky.
 */
import * as http from "node:http";
import * as https from "node:https";
import { urlToHttpOptions } from "node:url";
import {
  type HttpRequest,
  noAnswer,
  redactUrl,
  type SendOptions,
  statusError,
  unreachable,
} from "./http.js";

/** Keep-alive connections per origin: as many as a lane has requests in flight, and a few spare. */
const AGENTS = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: 16 }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: 16 }),
};

/** Error bodies are read up to this many bytes, for the log line and a Retry-After in JSON. */
const MAX_ERROR_BODY = 16_384;
/**
 * A 2xx answer counts as delivered once its status line and headers are in: the receiver took the
 * request. Its body (nobody needs it) is read in the background up to this many bytes and until the
 * timeout, so that the connection can be reused; one that goes on longer (or never ends) has its
 * connection closed instead. Waiting for it would turn a delivered article into a timeout, retried
 * (and delivered) for ever.
 */
const MAX_OK_BODY = 65_536;

/** Sends one request; resolves on 2xx, else throws a DeliveryError (or the signal's reason on abort). */
export function sendHttpNode(request: HttpRequest, options: SendOptions): Promise<void> {
  const { signal, timeoutMs } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const { url, options: base, where } = target(request.url);
  const body = Buffer.from(JSON.stringify(request.json));
  const headers: Record<string, string | number> = { "content-type": "application/json" };
  // Configured headers replace ours whatever their case (Content-Type included).
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    headers[name.toLowerCase()] = value;
  }
  headers["content-length"] = body.length;
  const agent = url.protocol === "https:" ? AGENTS["https:"] : AGENTS["http:"];
  const client = url.protocol === "https:" ? https : http;

  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (error === undefined) resolve();
      else reject(error);
    };
    let req: http.ClientRequest;
    /** What the timeout does once an answer's status is in (report it, not "no answer"). */
    let onTimeout: (() => void) | null = null;
    const timer = setTimeout(() => {
      if (onTimeout) return onTimeout();
      finish(noAnswer(where(), timeoutMs));
      req.destroy();
    }, timeoutMs);
    const onAbort = () => {
      finish(signal?.reason);
      req.destroy();
    };
    signal?.addEventListener("abort", onAbort, { once: true });

    let stale = 0;
    const send = () => {
      req = client.request({ ...base, method: request.method, headers, agent });
      let answered = false;
      req.on("error", (e: NodeJS.ErrnoException) => {
        // A kept-alive connection the server closed just as we reused it (its idle timeout): the
        // request never reached it, so send it on a fresh connection at once rather than after a
        // retry delay (node's documented use of reusedSocket). A few times at most: the pool may
        // hold several such connections.
        if (!answered && req.reusedSocket && STALE.has(e.code ?? "") && stale++ < 3) {
          if (!settled) send();
          return;
        }
        finish(unreachable(where(), e.code ?? e.message));
      });
      req.on("response", (res) => {
        answered = true;
        onResponse(res);
      });
      req.end(body);
    };

    const onResponse = (res: http.IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        finish();
        // Read to the end so that the connection goes back to the pool, within bounds.
        let size = 0;
        const drain = setTimeout(() => res.destroy(), timeoutMs);
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_OK_BODY) res.destroy();
        });
        res.on("close", () => clearTimeout(drain));
        res.on("error", () => {});
        return;
      }
      // The status is known: a body that never ends (or runs long) must not hide it.
      const chunks: Buffer[] = [];
      let size = 0;
      const answer = () => {
        const text = Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY).toString("utf8");
        const retryAfter = res.headers["retry-after"];
        finish(
          statusError(
            status,
            res.statusMessage ?? "",
            typeof retryAfter === "string" ? retryAfter : null,
            text,
            where(),
            absolute(res.headers.location, url),
          ),
        );
      };
      onTimeout = () => {
        answer();
        res.destroy();
      };
      res.on("data", (chunk: Buffer) => {
        if (size < MAX_ERROR_BODY) chunks.push(chunk);
        size += chunk.length;
        if (size >= MAX_ERROR_BODY) {
          answer();
          res.destroy();
        }
      });
      res.on("error", () => answer());
      res.on("end", answer);
    };
    send();
  });
}

/** How a reused connection that the server had closed fails. */
const STALE = new Set(["ECONNRESET", "EPIPE"]);

/**
 * The last URL parsed, and its redacted form for error messages, made only when one is needed: a
 * webhook posts to the same URL every time, and parsing and redacting it per request was some
 * 20 µs of the 0.2–0.4 ms each article costs (bench/micro.mjs profile).
 */
let last: { href: string; url: URL; options: http.RequestOptions; redacted: string | null } | null =
  null;

function target(href: string): { url: URL; options: http.RequestOptions; where: () => string } {
  if (last?.href !== href) {
    const url = new URL(href);
    last = { href, url, options: urlToHttpOptions(url), redacted: null };
  }
  const entry = last;
  return {
    url: entry.url,
    options: entry.options,
    where: () => (entry.redacted ??= redactUrl(href)),
  };
}

/** A Location header as an absolute URL, or undefined when there is none or it is no URL. */
function absolute(location: string | undefined, base: URL): string | undefined {
  if (!location) return undefined;
  try {
    return new URL(location, base).href;
  } catch {
    return undefined;
  }
}
