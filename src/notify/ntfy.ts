/**
 * ntfy: JSON publishing (POST to the server's root with `topic` in the body). Article text travels in
 * the JSON body only, never in a header, so nothing from it can add or split a header line; the message
 * is plain text (no `markdown: true`).
 */
import type { Article } from "../article/article.js";
import { articleFields } from "./format/fields.js";
import { DEFAULT_LINK } from "./format/link.js";
import { render } from "./format/template.js";
import { utf8Bytes } from "./format/text.js";
import { redactUrl } from "./http.js";
import { HttpNotifier } from "./http-notifier.js";
import type { Notifier } from "./notifier.js";

export interface NtfyOptions {
  /** The topic's URL, e.g. https://ntfy.sh/my-news; the topic is its last path segment. */
  url: string;
  /** Access token (tk_...) sent as a Bearer token. */
  token?: string;
  username?: string;
  password?: string;
  /** 1 (min) to 5 (max); ntfy's default is 3. */
  priority?: number;
  tags?: string[];
  /** Plain text; default NTFY_TEMPLATE. */
  template?: string;
  link?: string;
  timeoutMs?: number;
}

/** ntfy turns longer messages into attachments (server default message-size-limit 4 KB). */
export const NTFY_LIMITS = { message: 4096, title: 250 } as const;

export const NTFY_TEMPLATE = "{from} in {newsgroups}\n\n{snippet}";

const plain = (value: string) => value;

/** The topic URL split into where to POST and the topic name. */
export function ntfyTarget(url: string): { endpoint: string; topic: string } {
  const u = new URL(url);
  const segments = u.pathname.split("/");
  const topic = decodeURIComponent(segments.pop() ?? "");
  return { endpoint: `${u.origin}${segments.join("/")}/`, topic };
}

export function ntfyPayload(a: Article, o: Omit<NtfyOptions, "url">, topic: string) {
  const f = articleFields(a, o.link ?? DEFAULT_LINK);
  const measure = utf8Bytes;
  return {
    topic,
    title: render("{subject}", f, { escape: plain, limit: NTFY_LIMITS.title, measure }),
    message: render(o.template ?? NTFY_TEMPLATE, f, {
      escape: plain,
      limit: NTFY_LIMITS.message,
      measure,
    }),
    tags: o.tags ?? ["newspaper"],
    ...(f.link ? { click: f.link } : {}),
    ...(o.priority ? { priority: o.priority } : {}),
  };
}

export function ntfyAuthorization(o: Pick<NtfyOptions, "token" | "username" | "password">) {
  if (o.token) return `Bearer ${o.token}`;
  if (o.username !== undefined) {
    return `Basic ${Buffer.from(`${o.username}:${o.password ?? ""}`).toString("base64")}`;
  }
  return undefined;
}

export function ntfyNotifier(o: NtfyOptions): Notifier {
  const { endpoint, topic } = ntfyTarget(o.url);
  const auth = ntfyAuthorization(o);
  return new HttpNotifier(
    `ntfy ${redactUrl(o.url)}`,
    (a) => ({
      method: "POST",
      url: endpoint,
      ...(auth ? { headers: { authorization: auth } } : {}),
      json: ntfyPayload(a, o, topic),
    }),
    o.timeoutMs,
  );
}
