import ky, { HTTPError, TimeoutError } from "ky";
import type { Article } from "../article/article.js";
import type { Notifier } from "./notifier.js";
import { articlePayload } from "./payload.js";
import { printable } from "./stdout.js";

export interface WebhookOptions {
  /** http(s) URL to POST the JSON payload to. */
  url: string;
  /** Extra request headers (e.g. Authorization); never logged. */
  headers?: Record<string, string>;
  /** Default 10000. */
  timeoutMs?: number;
}

/** POSTs the JSON payload; one attempt per `send` (the dispatcher retries), a failure throws. */
export class WebhookNotifier implements Notifier {
  readonly label: string;
  readonly #url: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #where: string;

  constructor(options: WebhookOptions) {
    this.#url = options.url;
    this.#headers = options.headers ?? {};
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#where = redactUrl(options.url);
    this.label = `webhook ${this.#where}`;
  }

  preview(article: Article): unknown {
    return articlePayload(article);
  }

  async send(article: Article, signal?: AbortSignal): Promise<void> {
    try {
      const response = await ky.post(this.#url, {
        json: articlePayload(article),
        headers: this.#requestHeaders(),
        timeout: this.#timeoutMs,
        retry: 0,
        throwHttpErrors: true,
        signal,
      });
      await response.body?.cancel();
    } catch (error) {
      throw await this.#explain(error, signal);
    }
  }

  /** Configured headers override ours, whatever their case. */
  #requestHeaders(): Headers {
    const headers = new Headers({ "content-type": "application/json" });
    for (const [name, value] of Object.entries(this.#headers)) headers.set(name, value);
    return headers;
  }

  /** An error whose message has the status or cause and the (redacted) URL, never a header. */
  async #explain(error: unknown, signal?: AbortSignal): Promise<unknown> {
    if (signal?.aborted) return signal.reason ?? error;
    if (error instanceof HTTPError) {
      const { status, statusText } = error.response;
      const body = printable((await error.response.text().catch(() => "")).trim()).slice(0, 200);
      const message = `HTTP ${status}${statusText ? ` ${statusText}` : ""} from ${this.#where}`;
      return new Error(body ? `${message}: ${body}` : message);
    }
    if (error instanceof TimeoutError) {
      return new Error(`no answer from ${this.#where} within ${this.#timeoutMs} ms`);
    }
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    return new Error(`cannot reach ${this.#where}: ${why}`);
  }
}

/**
 * The URL as it may appear in logs: no user info, no query, and long path segments (the token in
 * Slack or Discord webhook URLs) cut to their first 4 characters.
 */
export function redactUrl(url: string): string {
  const u = new URL(url);
  const path = u.pathname
    .split("/")
    .map((segment) => (segment.length >= 20 ? `${segment.slice(0, 4)}…` : segment))
    .join("/");
  return `${u.protocol}//${u.host}${path}${u.search ? "?…" : ""}`;
}
