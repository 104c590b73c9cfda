/**
 * What Discord's Execute Webhook accepts (discord.com/developers/docs/resources/webhook, channel#embed-limits):
 * content ≤ 2000; embeds ≤ 10; title ≤ 256; description ≤ 4096; fields ≤ 25 (name ≤ 256, value ≤ 1024);
 * footer.text ≤ 2048; author.name ≤ 256; all embed text together ≤ 6000; username ≤ 80; embed url http(s).
 */
import type { ReceivedRequest } from "../receiver.js";
import {
  httpUrl,
  isObject,
  jsonRequest,
  markdownLinks,
  onlyKeys,
  type Problems,
  text,
} from "./check.js";

const TOP = [
  "content",
  "username",
  "avatar_url",
  "tts",
  "embeds",
  "allowed_mentions",
  "flags",
  "thread_name",
];
const EMBED = [
  "title",
  "type",
  "description",
  "url",
  "timestamp",
  "color",
  "footer",
  "image",
  "thumbnail",
  "author",
  "fields",
];

export function validateDiscord(req: ReceivedRequest): Problems {
  const out = jsonRequest(req);
  const body = req.body;
  if (!isObject(body)) return out;
  out.push(...onlyKeys("body", body, TOP));
  if (body.content === undefined && body.embeds === undefined)
    out.push("body: needs content or embeds");
  out.push(...text("content", body.content, 2000, { optional: true }));
  out.push(...text("username", body.username, 80, { optional: true }));
  const am = body.allowed_mentions;
  if (am !== undefined) {
    if (!isObject(am) || !Array.isArray(am.parse))
      out.push("allowed_mentions.parse: expected an array");
    else if (am.parse.some((p) => !["roles", "users", "everyone"].includes(String(p))))
      out.push("allowed_mentions.parse: unknown type");
  }
  const embeds = body.embeds;
  if (embeds !== undefined) {
    if (!Array.isArray(embeds) || embeds.length > 10) out.push("embeds: at most 10");
    else out.push(...embeds.flatMap((e, i) => embed(`embeds.${i}`, e)));
  }
  return out;
}

function embed(where: string, e: unknown): Problems {
  if (!isObject(e)) return [`${where}: not an object`];
  const out = onlyKeys(where, e, EMBED);
  out.push(...text(`${where}.title`, e.title, 256, { optional: true }));
  out.push(...text(`${where}.description`, e.description, 4096, { optional: true }));
  if (e.url !== undefined) out.push(...httpUrl(`${where}.url`, e.url));
  if (e.timestamp !== undefined && Number.isNaN(Date.parse(String(e.timestamp))))
    out.push(`${where}.timestamp: not ISO 8601`);
  const footer = isObject(e.footer) ? e.footer.text : undefined;
  out.push(...text(`${where}.footer.text`, footer, 2048, { optional: true }));
  const author = isObject(e.author) ? e.author.name : undefined;
  out.push(...text(`${where}.author.name`, author, 256, { optional: true }));
  const fields = Array.isArray(e.fields) ? e.fields : [];
  if (fields.length > 25) out.push(`${where}.fields: at most 25`);
  let total = 0;
  for (const s of [e.title, e.description, footer, author])
    if (typeof s === "string") total += s.length;
  for (const [i, f] of fields.entries()) {
    const { name, value } = isObject(f) ? f : {};
    out.push(
      ...text(`${where}.fields.${i}.name`, name, 256),
      ...text(`${where}.fields.${i}.value`, value, 1024),
    );
    total += String(name ?? "").length + String(value ?? "").length;
  }
  if (total > 6000) out.push(`${where}: ${total} characters of embed text > 6000`);
  return out;
}

/** No pings, and no markup from the article: masked links, mention syntax, raw @everyone/@here. */
export function discordInjection(req: ReceivedRequest): Problems {
  const body = req.body as Record<string, unknown>;
  const out: Problems = [];
  const am = body.allowed_mentions as
    | { parse?: unknown[]; users?: unknown[]; roles?: unknown[] }
    | undefined;
  if (
    !am ||
    (am.parse ?? []).length > 0 ||
    (am.users ?? []).length > 0 ||
    (am.roles ?? []).length > 0
  ) {
    out.push("allowed_mentions does not forbid every mention");
  }
  const markdown: [string, unknown][] = [["content", body.content]];
  for (const [i, e] of ((body.embeds as Record<string, unknown>[]) ?? []).entries()) {
    markdown.push([`embeds.${i}.title`, e.title], [`embeds.${i}.description`, e.description]);
    const footer = (e.footer as { text?: string } | undefined)?.text;
    if (footer && /@(everyone|here)\b/.test(footer))
      out.push(`embeds.${i}.footer: raw @everyone/@here`);
  }
  for (const [where, v] of markdown) {
    if (typeof v !== "string") continue;
    out.push(...markdownLinks(where, v));
    if (/@(everyone|here)\b/.test(v)) out.push(`${where}: raw @everyone/@here`);
    if (/(?<!\\)<(@|#|:|a:|t:)/.test(v)) out.push(`${where}: Discord mention/emoji syntax`);
  }
  return out;
}
