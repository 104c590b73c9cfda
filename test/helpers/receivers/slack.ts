/**
 * What a Slack incoming webhook accepts (docs.slack.dev: incoming webhooks, Block Kit reference):
 * `text` (mrkdwn, truncated past 40,000 characters) and/or `blocks` (at most 50); header text
 * plain_text ≤ 150; section text ≤ 3000; context 1–10 elements; text objects plain_text or mrkdwn.
 */
import type { ReceivedRequest } from "../receiver.js";
import { isObject, jsonRequest, onlyKeys, type Problems, text } from "./check.js";

const TOP = [
  "text",
  "blocks",
  "attachments",
  "thread_ts",
  "mrkdwn",
  "unfurl_links",
  "unfurl_media",
  "username",
  "icon_emoji",
  "icon_url",
  "channel",
];

export function validateSlack(req: ReceivedRequest): Problems {
  const out = jsonRequest(req);
  const body = req.body;
  if (!isObject(body)) return out;
  out.push(...onlyKeys("body", body, TOP));
  if (body.text === undefined && body.blocks === undefined) out.push("body: needs text or blocks");
  out.push(...text("text", body.text, 40_000, { optional: true }));
  if (body.blocks !== undefined) {
    if (!Array.isArray(body.blocks) || body.blocks.length > 50)
      out.push("blocks: expected 1..50 blocks");
    else out.push(...body.blocks.flatMap((b, i) => block(`blocks.${i}`, b)));
  }
  return out;
}

function block(where: string, b: unknown): Problems {
  if (!isObject(b)) return [`${where}: not an object`];
  switch (b.type) {
    case "header":
      return [...textObject(`${where}.text`, b.text, 150, ["plain_text"])];
    case "section":
      return textObject(`${where}.text`, b.text, 3000, ["plain_text", "mrkdwn"]);
    case "context": {
      const els = b.elements;
      if (!Array.isArray(els) || els.length < 1 || els.length > 10)
        return [`${where}.elements: 1..10`];
      return els.flatMap((e, i) =>
        textObject(`${where}.elements.${i}`, e, 3000, ["plain_text", "mrkdwn"]),
      );
    }
    case "divider":
      return [];
    default:
      return [`${where}: unexpected block type ${String(b.type)}`];
  }
}

function textObject(where: string, t: unknown, max: number, types: string[]): Problems {
  if (!isObject(t)) return [`${where}: not a text object`];
  const out = onlyKeys(where, t, ["type", "text", "emoji", "verbatim"]);
  if (!types.includes(String(t.type))) out.push(`${where}.type: ${String(t.type)}`);
  out.push(...text(`${where}.text`, t.text, max));
  return out;
}

/** Every string Slack parses for <...> syntax; only our own `<link|label>` may be there. */
export function slackInjection(req: ReceivedRequest, link: string): Problems {
  const strings: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === "string") strings.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (isObject(v)) Object.values(v).forEach(walk);
  };
  walk(req.body);
  const out: Problems = [];
  for (const s of strings) {
    for (const m of s.matchAll(/<([^>]*)>/g)) {
      if (!(m[1] as string).startsWith(`${link}|`)) out.push(`Slack syntax <${m[1]}>`);
    }
    if (/&(?!(?:amp|lt|gt);)/.test(s))
      out.push(`an unescaped & in ${JSON.stringify(s.slice(0, 40))}`);
  }
  return out;
}
