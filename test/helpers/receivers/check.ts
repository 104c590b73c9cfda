/** Small building blocks for the per-service shape validators: each returns problem strings, [] = valid. */
import type { ReceivedRequest } from "../receiver.js";

export type Problems = string[];

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The request was a JSON POST (or PUT) with a JSON object body. */
export function jsonRequest(req: ReceivedRequest, method = "POST"): Problems {
  const out: Problems = [];
  if (req.method !== method) out.push(`method ${req.method}, expected ${method}`);
  if (!String(req.headers["content-type"]).startsWith("application/json")) {
    out.push(`content-type ${req.headers["content-type"]}, expected application/json`);
  }
  if (!isObject(req.body)) out.push("body is not a JSON object");
  return out;
}

/** Keys outside `allowed` (services reject or silently ignore them; either way a bug on our side). */
export function onlyKeys(
  where: string,
  v: Record<string, unknown>,
  allowed: readonly string[],
): Problems {
  return Object.keys(v)
    .filter((k) => !allowed.includes(k))
    .map((k) => `${where}: unexpected key ${k}`);
}

/** A string of 1..max units (UTF-16 code units unless `bytes`). */
export function text(
  where: string,
  v: unknown,
  max: number,
  opts: { bytes?: boolean; optional?: boolean } = {},
): Problems {
  if (v === undefined && opts.optional) return [];
  if (typeof v !== "string") return [`${where}: expected a string, got ${typeof v}`];
  if (v === "") return [`${where}: empty`];
  const size = opts.bytes ? Buffer.byteLength(v) : v.length;
  const out: Problems = [];
  if (size > max) out.push(`${where}: ${size} ${opts.bytes ? "bytes" : "characters"} > ${max}`);
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(v)) {
    out.push(`${where}: a lone surrogate (a character was split)`);
  }
  if (v.includes("\ufffd")) out.push(`${where}: U+FFFD (a byte sequence was split)`);
  return out;
}

export function httpUrl(where: string, v: unknown): Problems {
  return typeof v === "string" && /^https?:\/\/\S+$/.test(v)
    ? []
    : [`${where}: not an http(s) URL`];
}

/** Names of the HTML tags in `html`, in order. */
export function htmlTags(html: string): string[] {
  return [...html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9-]*)/g)].map((m) =>
    (m[1] as string).toLowerCase(),
  );
}

/** href values of <a> tags. */
export function hrefs(html: string): string[] {
  return [...html.matchAll(/<a\s+href="([^"]*)"/g)].map((m) => m[1] as string);
}

/** Tags outside `allowed`, and links other than `link`: markup that did not come from our template. */
export function htmlInjection(
  where: string,
  html: string,
  allowed: readonly string[],
  link: string,
): Problems {
  const out: Problems = [];
  for (const tag of htmlTags(html)) if (!allowed.includes(tag)) out.push(`${where}: <${tag}> tag`);
  for (const href of hrefs(html)) if (href !== link) out.push(`${where}: link to ${href}`);
  if (/&(?!(?:amp|lt|gt|quot|#39);)/.test(html)) out.push(`${where}: an unescaped &`);
  return out;
}

/** `[label](target)` not preceded by a backslash, other than `allowed` targets. */
export function markdownLinks(
  where: string,
  md: string,
  allowed: readonly string[] = [],
): Problems {
  return [...md.matchAll(/(?<!\\)\[((?:[^\]\\]|\\.)*)(?<!\\)\]\(([^)]*)\)/g)]
    .filter((m) => !allowed.includes(m[2] as string))
    .map((m) => `${where}: markdown link to ${m[2]}`);
}
