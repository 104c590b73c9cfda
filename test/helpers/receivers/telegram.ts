/**
 * What the Bot API's sendMessage accepts (core.telegram.org/bots/api#sendmessage, #formatting-options):
 * chat_id (integer or @channelusername), text 1-4096 characters after entities parsing, parse_mode
 * HTML with only b/strong i/em u/ins s/strike/del span(tg-spoiler) tg-spoiler a(href) code pre
 * blockquote tg-emoji, every other <, > and & as an entity (&lt; &gt; &amp; &quot; or numeric);
 * link_preview_options (Bot API 7.0).
 */
import type { ReceivedRequest } from "../receiver.js";
import { hrefs, htmlTags, isObject, jsonRequest, onlyKeys, type Problems, text } from "./check.js";

const KEYS = [
  "chat_id",
  "message_thread_id",
  "text",
  "parse_mode",
  "entities",
  "link_preview_options",
  "disable_notification",
  "protect_content",
  "reply_parameters",
  "reply_markup",
  "business_connection_id",
  "message_effect_id",
  "allow_paid_broadcast",
];
const TAGS = [
  "b",
  "strong",
  "i",
  "em",
  "u",
  "ins",
  "s",
  "strike",
  "del",
  "span",
  "tg-spoiler",
  "a",
  "code",
  "pre",
  "blockquote",
  "tg-emoji",
];

export function validateTelegram(req: ReceivedRequest, token: string): Problems {
  const out = jsonRequest(req);
  if (!req.path.endsWith(`/bot${token}/sendMessage`))
    out.push(`path ${req.path}: not /bot<token>/sendMessage`);
  const body = req.body;
  if (!isObject(body)) return out;
  out.push(...onlyKeys("body", body, KEYS));
  const chat = body.chat_id;
  if (!(typeof chat === "number" || (typeof chat === "string" && /^(-?\d+|@\w{4,32})$/.test(chat))))
    out.push("chat_id: expected an integer or @channelusername");
  out.push(...text("text", body.text, 4096));
  if (
    body.parse_mode !== undefined &&
    !["HTML", "MarkdownV2", "Markdown"].includes(String(body.parse_mode))
  )
    out.push(`parse_mode: ${String(body.parse_mode)}`);
  if (body.parse_mode === "HTML" && typeof body.text === "string") {
    for (const tag of htmlTags(body.text))
      if (!TAGS.includes(tag)) out.push(`text: unsupported tag <${tag}>`);
    if (/&(?!(?:amp|lt|gt|quot|#\d+|#x[0-9a-f]+);)/i.test(body.text))
      out.push("text: an unescaped &");
    if (/<br/i.test(body.text)) out.push("text: <br> (Telegram's HTML has none)");
  }
  const lpo = body.link_preview_options;
  if (
    lpo !== undefined &&
    (!isObject(lpo) || (lpo.is_disabled !== undefined && typeof lpo.is_disabled !== "boolean"))
  )
    out.push("link_preview_options: expected {is_disabled: boolean, ...}");
  return out;
}

/** Nothing from the article became markup, a link other than ours, a mention, or a preview. */
export function telegramInjection(
  req: ReceivedRequest,
  allowedTags: readonly string[],
  link?: string,
): Problems {
  const body = req.body as Record<string, unknown>;
  const t = String(body.text ?? "");
  const out: Problems = [];
  for (const tag of htmlTags(t))
    if (!allowedTags.includes(tag)) out.push(`text: <${tag}> from the article`);
  for (const href of hrefs(t)) if (href !== link) out.push(`text: link to ${href}`);
  if (/(^|[^\w\u200b])@\w/.test(t)) out.push("text: a raw @mention");
  if ((body.link_preview_options as { is_disabled?: boolean } | undefined)?.is_disabled !== true)
    out.push("link previews are not disabled");
  return out;
}
