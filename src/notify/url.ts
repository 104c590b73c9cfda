/**
 * Service URLs in the style Apprise and shoutrrr users know (`slack://T/B/C`, `discord://id/token`, ...)
 * → a notifier config entry with a real http(s) URL. Each notifier reads its own forms (its
 * definition's `urls`); problems never repeat the URL: it holds secrets. The mapping is documented in
 * docs/notifiers.md.
 */
import type { ServiceUrl, ServiceUrlParser } from "./definition.js";
import { NOTIFIERS } from "./registry.js";
import { fail } from "./url-parts.js";

export type { ServiceUrl } from "./definition.js";

const PARSERS: ReadonlyMap<string, ServiceUrlParser> = new Map(
  NOTIFIERS.flatMap((d) => Object.entries(d.urls ?? {}) as [string, ServiceUrlParser][]),
);

/** The scheme of `text` if it is one of ours ("slack", ...), else undefined. */
export function serviceScheme(text: string): string | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  return scheme && PARSERS.has(scheme) ? scheme : undefined;
}

export function parseServiceUrl(text: string): ServiceUrl {
  const scheme = serviceScheme(text);
  if (!scheme) {
    const known = [...PARSERS.keys()].sort().map((s) => `${s}://`);
    return fail(`expected a notifier URL (${known.join(", ")}) or a mapping with a type`);
  }
  let u: URL;
  try {
    u = new URL(tokenAsUserInfo(text));
  } catch {
    return fail(`not a valid ${scheme}:// URL`);
  }
  const parser = PARSERS.get(scheme) as ServiceUrlParser;
  try {
    // mmosts, ntfys, matrixs, jsons (and https): the trailing "s" asks for https, as in Apprise.
    return parser(u, scheme.endsWith("s"));
  } catch {
    return fail(`malformed percent-encoding in a ${scheme}:// URL`);
  }
}

/**
 * Apprise writes a Telegram bot token (123456789:AA...) where the host goes; no URL parser takes "AA..."
 * for a port, so `tgram://123:AA.../chat` is read as `tgram://123:AA...@telegram/chat`.
 */
function tokenAsUserInfo(text: string): string {
  return text.replace(/^(tgram:\/\/)(\d+:[^/@?#]+)(?=\/)/i, "$1$2@telegram");
}
