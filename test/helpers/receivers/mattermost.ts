/**
 * What a Mattermost incoming webhook accepts (developers.mattermost.com/integrate/webhooks/incoming):
 * `text` (Markdown, up to 16383 characters per post) or `attachments`; optional channel, username,
 * icon_url, icon_emoji, props, type, priority.
 */
import type { ReceivedRequest } from "../receiver.js";
import { isObject, jsonRequest, markdownLinks, onlyKeys, type Problems, text } from "./check.js";

const TOP = [
  "text",
  "channel",
  "username",
  "icon_url",
  "icon_emoji",
  "attachments",
  "type",
  "props",
  "priority",
];

export function validateMattermost(req: ReceivedRequest): Problems {
  const out = jsonRequest(req);
  const body = req.body;
  if (!isObject(body)) return out;
  out.push(...onlyKeys("body", body, TOP));
  if (body.text === undefined && body.attachments === undefined)
    out.push("body: needs text or attachments");
  out.push(...text("text", body.text, 16_383, { optional: true }));
  return out;
}

/**
 * Mattermost translates Slack's <!channel>, <@id> and <url|label> before rendering Markdown, and
 * pings on @channel, @all, @here and @username: none of these may come from the article.
 */
export function mattermostInjection(req: ReceivedRequest, link: string): Problems {
  const t = String((req.body as { text?: unknown }).text ?? "");
  const out: Problems = [];
  for (const m of t.matchAll(/<[^>]*>/g)) out.push(`Slack syntax ${m[0]}`);
  for (const m of t.matchAll(/@[\p{L}\p{N}_]+/gu)) out.push(`mention ${m[0]}`);
  out.push(...markdownLinks("text", t, [link]));
  if (/(?<!\\)!\[/.test(t)) out.push("text: an image");
  return out;
}
