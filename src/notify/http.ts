/**
 * The one HTTP layer every HTTP notifier uses: one attempt per call (the dispatcher retries), a timeout,
 * and errors that say whether a retry can help and how long the service asked us to wait.
 */
import type { HTTPError } from "ky";
import { printable } from "../util/printable.js";
import { redactUrl } from "./redact.js";
import { retryAfterMs } from "./retry-after.js";

export { redactUrl };

export interface HttpRequest {
  method: "POST" | "PUT";
  url: string;
  /** Extra headers; they replace ours (content-type included), whatever their case. Never logged. */
  headers?: Record<string, string>;
  /** Sent as JSON. */
  json: unknown;
}

export interface SendOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * A failed delivery. `permanent`: retrying the same request cannot succeed (a 4xx other than 408 and
 * 429), so the dispatcher drops it. `retryAfterMs`: the wait the service asked for (429, or 503).
 */
export class DeliveryError extends Error {
  override readonly name = "DeliveryError";

  constructor(
    message: string,
    readonly permanent: boolean,
    readonly retryAfterMs?: number,
    readonly status?: number,
  ) {
    super(message);
  }
}

let kyModule: Promise<typeof import("ky")> | undefined;

/** ky (and fetch under it), loaded by the first chat notification: a webhook-only watcher never needs it. */
function loadKy(): Promise<typeof import("ky")> {
  kyModule ??= import("ky");
  return kyModule;
}

/** Sends one request; resolves on 2xx, else throws a DeliveryError (or the signal's reason on abort). */
export async function sendHttp(request: HttpRequest, options: SendOptions): Promise<void> {
  const { signal, timeoutMs } = options;
  // Our own timeout signal and a pre-serialised body: ky's timeout wrapper and JSON handling cost
  // about a third of a request's CPU (measured by bench/micro.mjs), and a burst sends thousands.
  const timeout = AbortSignal.timeout(timeoutMs);
  const { default: ky, HTTPError } = await loadKy();
  try {
    const response = await ky(request.url, {
      method: request.method,
      body: JSON.stringify(request.json),
      headers: requestHeaders(request.headers),
      timeout: false,
      retry: 0,
      throwHttpErrors: true,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    await response.body?.cancel();
  } catch (error) {
    if (signal?.aborted) throw signal.reason ?? error;
    const where = redactUrl(request.url);
    if (timeout.aborted) {
      throw noAnswer(where, timeoutMs);
    }
    throw await explain(error, where, HTTPError);
  }
}

function requestHeaders(extra: Record<string, string> = {}): Headers {
  const headers = new Headers({ "content-type": "application/json" });
  for (const [name, value] of Object.entries(extra)) headers.set(name, value);
  return headers;
}

/** A message with the status or cause and the redacted URL, never a header. */
async function explain(
  error: unknown,
  where: string,
  httpError: typeof HTTPError,
): Promise<DeliveryError> {
  if (error instanceof httpError) {
    const { status, statusText, headers } = error.response;
    const text = await error.response.text().catch(() => "");
    return statusError(status, statusText, headers.get("retry-after"), text, where);
  }
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (error as Error).message;
  return unreachable(where, why);
}

/** The request got no answer in time (worth a retry). */
export function noAnswer(where: string, timeoutMs: number): DeliveryError {
  return new DeliveryError(`no answer from ${where} within ${timeoutMs} ms`, false);
}

/** The connection failed: refused, reset, TLS, DNS (worth a retry). */
export function unreachable(where: string, why: string): DeliveryError {
  return new DeliveryError(`cannot reach ${where}: ${why}`, false);
}

/**
 * The DeliveryError for an answer that is not 2xx, whichever client got it: status, reason and the
 * start of the body (printable) with the redacted URL; the wait asked for on 429/503. A redirect
 * (only the webhook's client sees one; fetch follows them) is retried, not dropped, and says where
 * to: a POST is not re-sent elsewhere on the service's word, the config should name that URL.
 */
export function statusError(
  status: number,
  statusText: string,
  retryAfter: string | null,
  text: string,
  where: string,
  /** Absolute. */
  location?: string,
): DeliveryError {
  const body = printable(text.trim()).slice(0, 200);
  const moved =
    status >= 300 && status < 400 && location
      ? ` (redirects to ${redactUrl(location)}; set the notifier's url to that)`
      : "";
  const message = `HTTP ${status}${statusText ? ` ${statusText}` : ""} from ${where}${moved}${body ? `: ${body}` : ""}`;
  const wait = status === 429 || status === 503 ? retryAfterMs(retryAfter, text) : undefined;
  return new DeliveryError(message, isPermanent(status), wait, status);
}

/** 4xx means the request itself is wrong (bad token, deleted webhook, rejected payload), except 408 and 429. */
export function isPermanent(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}
