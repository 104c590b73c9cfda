import { createHash } from "node:crypto";
import type { Article } from "../article/article.js";
import { redactUrl } from "./http.js";
import { sendHttpNode } from "./http-node.js";
import type { Notifier } from "./notifier.js";
import { type ArticlePayload, articlePayload } from "./payload.js";

export { redactUrl } from "./http.js";

export interface WebhookOptions {
  /** http(s) URL to POST the JSON payload to. */
  url: string;
  /** Extra request headers (e.g. Authorization); never logged. */
  headers?: Record<string, string>;
  /** Default 10000. */
  timeoutMs?: number;
  /**
   * Default 1: one request per article, the article's payload as the body. Above 1: the body is
   * always `{"articles": [payload, ...]}` with 1..batch articles, as many as are waiting.
   */
  batch?: number;
}

/** POSTs the JSON payload; one attempt per `send` (the dispatcher retries), a failure throws. */
export class WebhookNotifier implements Notifier {
  readonly label: string;
  /** A receiver of our own can take a few at once: a burst is not capped at one round trip each. */
  readonly concurrency = 8;
  readonly maxBatch: number;
  readonly #url: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;

  constructor(options: WebhookOptions) {
    this.#url = options.url;
    this.#headers = options.headers ?? {};
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.maxBatch = options.batch ?? 1;
    this.label = `webhook ${redactUrl(options.url)}`;
  }

  preview(article: Article): unknown {
    return this.maxBatch > 1 ? batchPayload([article]) : articlePayload(article);
  }

  send(article: Article, signal?: AbortSignal): Promise<void> {
    // A batching receiver always gets the batch shape, even for one article (test-hook, a resend).
    if (this.maxBatch > 1) return this.#post([article], batchPayload([article]), signal);
    return this.#post([article], articlePayload(article), signal);
  }

  sendBatch(articles: readonly Article[], signal?: AbortSignal): Promise<void> {
    return this.#post(articles, batchPayload(articles), signal);
  }

  #post(articles: readonly Article[], json: unknown, signal?: AbortSignal): Promise<void> {
    const request = {
      method: "POST" as const,
      url: this.#url,
      headers: {
        "Idempotency-Key": idempotencyKey(articles.map((a) => a.messageId).join("\n")),
        ...this.#headers,
      },
      json,
    };
    return sendHttpNode(request, { timeoutMs: this.#timeoutMs, signal });
  }
}

/** The body of a batching webhook: its articles' payloads, in the order innd filed them. */
export function batchPayload(articles: readonly Article[]): { articles: ArticlePayload[] } {
  return { articles: articles.map(articlePayload) };
}

/**
 * The same for every attempt at one article (IETF draft "The Idempotency-Key HTTP Header Field"):
 * delivery is at-least-once, so a request in flight when newsnotify was killed is sent again after
 * the restart, and a receiver can drop the repeat by this key. A batch's key is that of its
 * Message-IDs joined by "\n"; a batch resent after a restart may be made up differently, so a
 * batching receiver should drop repeats by each article's messageId.
 */
export function idempotencyKey(messageIds: string): string {
  return createHash("sha256").update(messageIds).digest("hex").slice(0, 32);
}
