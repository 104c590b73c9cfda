/**
 * What a Teams Workflows webhook ("Post to a channel when a webhook request is received") accepts:
 * {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
 * "content": AdaptiveCard}]}; the card of version ≤ 1.5 with TextBlocks and Action.OpenUrl (http(s));
 * the whole message ≤ 28 KB (learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors).
 */
import type { ReceivedRequest } from "../receiver.js";
import { httpUrl, isObject, jsonRequest, onlyKeys, type Problems, text } from "./check.js";

const BLOCK = [
  "type",
  "text",
  "wrap",
  "weight",
  "size",
  "isSubtle",
  "spacing",
  "fontType",
  "color",
  "maxLines",
  "horizontalAlignment",
  "separator",
  "id",
  "style",
];

export function validateTeams(req: ReceivedRequest): Problems {
  const out = jsonRequest(req);
  if (Buffer.byteLength(req.text) > 28_000)
    out.push(`body: ${Buffer.byteLength(req.text)} bytes > 28 KB`);
  const body = req.body;
  if (!isObject(body)) return out;
  out.push(...onlyKeys("body", body, ["type", "attachments"]));
  if (body.type !== "message") out.push('type: expected "message"');
  const atts = body.attachments;
  if (!Array.isArray(atts) || atts.length !== 1) return [...out, "attachments: expected one"];
  const att = atts[0];
  if (!isObject(att)) return [...out, "attachments.0: not an object"];
  out.push(...onlyKeys("attachments.0", att, ["contentType", "contentUrl", "content"]));
  if (att.contentType !== "application/vnd.microsoft.card.adaptive")
    out.push("attachments.0.contentType");
  const card = att.content;
  if (!isObject(card)) return [...out, "attachments.0.content: not an object"];
  out.push(...onlyKeys("card", card, ["$schema", "type", "version", "body", "actions", "msteams"]));
  if (card.type !== "AdaptiveCard") out.push('card.type: expected "AdaptiveCard"');
  if (!["1.0", "1.1", "1.2", "1.3", "1.4", "1.5"].includes(String(card.version)))
    out.push(`card.version ${String(card.version)}`);
  const blocks = Array.isArray(card.body) ? card.body : [];
  if (blocks.length === 0) out.push("card.body: empty");
  for (const [i, b] of blocks.entries()) {
    if (!isObject(b) || b.type !== "TextBlock") {
      out.push(`card.body.${i}: expected a TextBlock`);
      continue;
    }
    out.push(
      ...onlyKeys(`card.body.${i}`, b, BLOCK),
      ...text(`card.body.${i}.text`, b.text, 28_000),
    );
  }
  for (const [i, a] of (Array.isArray(card.actions) ? card.actions : []).entries()) {
    if (!isObject(a) || a.type !== "Action.OpenUrl")
      out.push(`card.actions.${i}: expected Action.OpenUrl`);
    else
      out.push(
        ...httpUrl(`card.actions.${i}.url`, a.url),
        ...text(`card.actions.${i}.title`, a.title, 100),
      );
  }
  return out;
}

/**
 * The TextBlock Markdown subset (bold, italic, lists, links) and CommonMark's autolinks, entities and
 * code, unescaped in any TextBlock; Teams mention tags; {{DATE()}}/{{TIME()}} functions.
 */
export function teamsInjection(req: ReceivedRequest): Problems {
  const card = (req.body as { attachments: { content: { body: { text: string }[] } }[] })
    .attachments[0]?.content;
  const out: Problems = [];
  for (const [i, b] of (card?.body ?? []).entries()) {
    // Our own template's **From:** markup is allowed; the article's text is what is checked.
    const t = b.text.replace(/\*\*(From|Newsgroups):\*\*/g, "");
    const raw = (re: RegExp) => re.test(t);
    if (raw(/(?<!\\)\[[^\]]*(?<!\\)\]\(/)) out.push(`body.${i}: a link [..](..)`);
    if (raw(/(?<!\\)<(https?:|at>|@)/i)) out.push(`body.${i}: an autolink or mention tag`);
    if (raw(/(?<!\\)\*\*|(?<![\\\w])_\S/)) out.push(`body.${i}: emphasis`);
    if (raw(/(?<!\\)`/)) out.push(`body.${i}: code`);
    if (raw(/(?<!\\)&[a-z#]/i)) out.push(`body.${i}: an entity`);
    if (raw(/(?<!\\)\{(?<!\\)\{/)) out.push(`body.${i}: a {{function}}`);
    if (raw(/(^|\n)\s*([-+*]|\d+\.)\s/)) out.push(`body.${i}: a list item`);
    if (raw(/(?<!\\)https?(?<!\\):\/\//)) out.push(`body.${i}: a bare URL`);
  }
  return out;
}
