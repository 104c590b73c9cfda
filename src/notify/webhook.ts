import { createHash } from "node:crypto";
import type { Article } from "../article/article.js";
import { redactUrl, sendHttp } from "./http.js";
import type { Notifier } from "./notifier.js";
import { articlePayload } from "./payload.js";

export { redactUrl } from "./http.js";

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
  /** A receiver of our own can take a few at once: a burst is not capped at one round trip each. */
  readonly concurrency = 8;
  readonly #url: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;

  constructor(options: WebhookOptions) {
    this.#url = options.url;
    this.#headers = options.headers ?? {};
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.label = `webhook ${redactUrl(options.url)}`;
  }

  preview(article: Article): unknown {
    return articlePayload(article);
  }

  send(article: Article, signal?: AbortSignal): Promise<void> {
    const request = {
      method: "POST" as const,
      url: this.#url,
      headers: { "Idempotency-Key": idempotencyKey(article.messageId), ...this.#headers },
      json: articlePayload(article),
    };
    return sendHttp(request, { timeoutMs: this.#timeoutMs, signal });
  }
}

/**
 * The same for every attempt at one article (IETF draft "The Idempotency-Key HTTP Header Field"):
 * delivery is at-least-once, so a request in flight when newsnotify was killed is sent again after
 * the restart, and a receiver can drop the repeat by this key.
 */
export function idempotencyKey(messageId: string): string {
  return createHash("sha256").update(messageId).digest("hex").slice(0, 32);
}
