import * as crypto from "node:crypto";
import { z } from "zod";
import type { Article } from "../article/article.js";
import { defineNotifier, type OptionsOf, type ServiceUrl, urlTarget } from "./definition.js";
import { redactUrl } from "./http.js";
import { sendHttpNode } from "./http-node.js";
import type { Notifier } from "./notifier.js";
import { type ArticlePayload, articlePayload } from "./payload.js";
import { headerValue, http, httpUrl, routing } from "./schema-parts.js";
import { isTeamsWorkflowUrl } from "./teams.js";
import { fail, hostPort, password, user } from "./url-parts.js";

export { redactUrl } from "./http.js";

const schema = z
  .strictObject({
    type: z.literal("webhook"),
    url: httpUrl("Where to POST the JSON payload."),
    headers: z
      .record(
        z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "expected an HTTP header name"),
        headerValue,
      )
      .optional()
      .describe("Extra request headers, e.g. Authorization. Never logged."),
    batch: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .optional()
      .describe(
        'Up to this many articles per request when several are waiting (default 1: one request per article, its payload as the body). Above 1 the body is always {"articles": [payload, ...]}.',
      ),
    ...http,
    ...routing,
  })
  .describe("POST the JSON payload to a URL.");

export type WebhookOptions = OptionsOf<typeof schema>;

type Entry = z.input<typeof schema>;

/** Any http(s) URL is a webhook. */
const plain = (u: URL): ServiceUrl<Entry> => ({
  ok: true,
  entry: { type: "webhook", url: u.href },
});

/** The teams entry for its URL (typed as this parser's: the registry reads every parser's entry alike). */
const teamsUrl = (u: URL) =>
  ({ ok: true, entry: { type: "teams", url: u.href } }) as unknown as ServiceUrl<Entry>;

export const definition = defineNotifier({
  type: "webhook",
  schema,
  create: (options) => new WebhookNotifier(options),
  urls: {
    json: json,
    jsons: json,
    http: plain,
    // A Teams Workflows trigger URL means the teams notifier (an Adaptive Card), not the JSON contract.
    https: (u) => (isTeamsWorkflowUrl(u.href) ? teamsUrl(u) : plain(u)),
  },
  paceKey: (o) => urlTarget(o.url),
  presentation: ["batch"],
});

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
  // crypto.hash (node >= 20.12) is the one-shot form: no Hash object per request.
  const hex = oneShot
    ? oneShot("sha256", messageIds, "hex")
    : crypto.createHash("sha256").update(messageIds).digest("hex");
  return hex.slice(0, 32);
}

const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: "hex") => string })
  .hash;

/**
 * json[s]://[user:password@]host[:port]/path → the JSON webhook; `?+Name=value` adds a header (as in
 * Apprise), other query parameters stay in the URL, user:password becomes Basic authorization.
 */
function json(u: URL, secure: boolean): ServiceUrl<Entry> {
  if (!u.hostname) return fail(`expected ${u.protocol}//host/path`);
  const headers: Record<string, string> = {};
  const query: string[] = [];
  // Split by hand: URLSearchParams would read the leading "+" as a space.
  for (const pair of u.search.slice(1).split("&")) {
    const [name = "", value = ""] = pair.split(/=(.*)/s);
    if (name.startsWith("+") && name.length > 1) {
      headers[decodeURIComponent(name.slice(1))] = decodeURIComponent(value);
    } else if (pair) query.push(pair);
  }
  if (u.username) {
    const basic = Buffer.from(`${user(u)}:${password(u)}`).toString("base64");
    headers.Authorization ??= `Basic ${basic}`;
  }
  const search = query.length > 0 ? `?${query.join("&")}` : "";
  const entry: Entry = {
    type: "webhook",
    url: `${secure ? "https" : "http"}://${hostPort(u)}${u.pathname}${search}`,
  };
  if (Object.keys(headers).length > 0) entry.headers = headers;
  return { ok: true, entry };
}
