/**
 * The `notifiers:` entries: the union of the registered notifiers' schemas (notify/registry.ts), plus
 * the two shorthands (a service URL instead of a mapping, and `${env:NAME}` in any string) undone
 * before validation.
 */
import { z } from "zod";
import {
  NOTIFIER_SCHEMAS,
  NOTIFIERS,
  type NotifierConfig,
  notifierDefinition,
} from "../notify/registry.js";
import { parseServiceUrl, serviceScheme } from "../notify/url.js";
import { expandEnv } from "./env.js";

export { linkPattern } from "../notify/schema-parts.js";
export type { NotifierConfig };

/** The union of every registered notifier's schema, told apart by `type`. */
export const notifierSchema = z.discriminatedUnion("type", NOTIFIER_SCHEMAS);

const SHAPES: Record<string, string[]> = Object.fromEntries(
  NOTIFIERS.map((d) => [d.type, Object.keys(d.schema.shape)]),
);

/** The keys an entry may have (for "did you mean" hints): those of its type, given or implied by its URL. */
export function notifierKeys(entry: unknown): string[] {
  if (typeof entry === "string") return [];
  const e = (entry ?? {}) as { type?: unknown; url?: unknown };
  let type = e.type;
  if (type === undefined && typeof e.url === "string") {
    const parsed = parseServiceUrl(e.url);
    if (parsed.ok) type = parsed.entry.type;
  }
  return SHAPES[String(type)] ?? [];
}

/**
 * One `notifiers:` entry. `${env:NAME}` is expanded in every string first; then a URL string, or a
 * mapping whose `url` is a service URL (slack://...), becomes the full mapping.
 */
export function notifierEntry(env: NodeJS.ProcessEnv = process.env) {
  return z.preprocess((input, ctx) => {
    const { value, problems } = expandEnv(input, env);
    for (const p of problems)
      ctx.addIssue({ code: "custom", message: p.message, path: p.path, input });
    if (problems.length > 0) return input;
    const problem = (message: string, path: PropertyKey[]) => {
      ctx.addIssue({ code: "custom", message, path, input });
      return input;
    };
    if (typeof value === "string") {
      const parsed = parseServiceUrl(value);
      return parsed.ok ? parsed.entry : problem(parsed.problem, []);
    }
    const entry = value as Record<string, unknown> | null;
    if (typeof entry?.url !== "string" || !serviceScheme(entry.url)) return value;
    if (/^https?:/i.test(entry.url)) return value;
    const parsed = parseServiceUrl(entry.url);
    if (!parsed.ok) return problem(parsed.problem, ["url"]);
    if (entry.type !== undefined && entry.type !== parsed.entry.type) {
      return problem(`a ${String(parsed.entry.type)} URL in a ${String(entry.type)} notifier`, [
        "url",
      ]);
    }
    // The mapping's own keys win; headers from the URL and the mapping are merged.
    const headers = { ...(parsed.entry.headers as object), ...(entry.headers as object) };
    const merged: Record<string, unknown> = { ...parsed.entry, ...entry, url: parsed.entry.url };
    if (Object.keys(headers).length > 0) merged.headers = headers;
    return merged;
  }, notifierSchema);
}

/** Notifiers without their own `link` get the top-level one (those that have the key: not webhook or exec). */
export function inheritLink(
  notifiers: NotifierConfig[],
  link: string | undefined,
): NotifierConfig[] {
  if (link === undefined) return notifiers;
  return notifiers.map((n) => (!hasLink(n) || n.link !== undefined ? n : { ...n, link }));
}

function hasLink(n: NotifierConfig): n is Extract<NotifierConfig, { link?: string }> {
  return "link" in (notifierDefinition(n.type)?.schema.shape ?? {});
}
