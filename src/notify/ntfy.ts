/**
 * ntfy: JSON publishing (POST to the server's root with `topic` in the body). Article text travels in
 * the JSON body only, never in a header, so nothing from it can add or split a header line; the message
 * is plain text (no `markdown: true`).
 */
import { z } from "zod";
import type { Article } from "../article/article.js";
import { defineNotifier, type OptionsOf, type ServiceUrl, urlTarget } from "./definition.js";
import { articleFields } from "./format/fields.js";
import { DEFAULT_LINK } from "./format/link.js";
import { render } from "./format/template.js";
import { utf8Bytes } from "./format/text.js";
import { redactUrl } from "./http.js";
import { HttpNotifier } from "./http-notifier.js";
import type { Notifier } from "./notifier.js";
import { formatting, headerValue, http, httpUrl, routing } from "./schema-parts.js";
import { fail, hostPort, password, segments, user } from "./url-parts.js";

const schema = z
  .strictObject({
    type: z.literal("ntfy"),
    url: httpUrl("The topic URL, e.g. https://ntfy.sh/my-news-topic."),
    token: headerValue.min(1).optional().describe("Access token (tk_...)."),
    username: headerValue.optional().describe("User for Basic authentication."),
    password: headerValue.optional().describe("Password for Basic authentication."),
    priority: z.int().min(1).max(5).optional().describe("1 (min) to 5 (max); ntfy's default is 3."),
    tags: z
      .array(z.string().regex(/^[^,\s]+$/, "expected a tag or emoji short code without commas"))
      .optional()
      .describe('Tags or emoji short codes; default ["newspaper"].'),
    ...formatting,
    ...http,
    ...routing,
  })
  .describe("ntfy (ntfy.sh or your own server), JSON publishing.");

/**
 * `url` is the topic's URL (e.g. https://ntfy.sh/my-news; the topic is its last path segment);
 * `token` (tk_...) goes as a Bearer token; `template` is plain text, default NTFY_TEMPLATE.
 */
export type NtfyOptions = OptionsOf<typeof schema>;

export const definition = defineNotifier({
  type: "ntfy",
  schema,
  create: (options) => ntfyNotifier(options),
  urls: { ntfy: ntfyUrl, ntfys: ntfyUrl },
  paceKey: (o) => urlTarget(o.url),
});

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

/**
 * Apprise ntfy://topic (ntfy.sh), ntfy[s]://[user:password@|token@]host[:port]/topic; shoutrrr's
 * :token@ works too. ntfy:// is http except for ntfy.sh itself.
 */
function ntfyUrl(u: URL, secure: boolean): ServiceUrl<z.input<typeof schema>> {
  const path = segments(u);
  const cloud = path.length === 0;
  const host = cloud ? "ntfy.sh" : hostPort(u);
  const topic = cloud ? u.hostname : path[0];
  if (!topic || path.length > 1 || !/^[-_A-Za-z0-9]{1,64}$/.test(topic)) {
    return fail(
      "expected ntfy://topic or ntfy[s]://host/topic (one topic: letters, digits, - and _)",
    );
  }
  const https = secure || host === "ntfy.sh";
  const entry: z.input<typeof schema> = {
    type: "ntfy",
    url: `${https ? "https" : "http"}://${host}/${topic}`,
  };
  const name = user(u);
  const pass = password(u);
  if (!cloud && name.startsWith("tk_") && !pass) entry.token = name;
  else if (!cloud && !name && pass) entry.token = pass;
  else if (!cloud && name) Object.assign(entry, { username: name, password: pass });
  return { ok: true, entry };
}
