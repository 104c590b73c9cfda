/** The article's link, from a pattern such as `news:{messageIdBare}` or `https://archive.example/{messageIdEncoded}`. */
import type { Article } from "../../article/article.js";
import { parseTemplate } from "./template.js";

/** RFC 5538: opens the article in the reader's own newsreader and server. */
export const DEFAULT_LINK = "news:{messageIdBare}";

export const LINK_FIELDS = [
  "messageId",
  "messageIdBare",
  "messageIdEncoded",
  "group",
  "number",
] as const;

/** Every value is percent-encoded, so nothing from the article can end the URL or add to it. */
export function renderLink(pattern: string, a: Article): string {
  const bare = bareId(a.messageId);
  const values: Record<string, string> = {
    messageId: encode(a.messageId),
    messageIdBare: encode(bare),
    messageIdEncoded: encode(bare),
    group: encode(a.group),
    number: String(a.number),
  };
  return parseTemplate(pattern, LINK_FIELDS)
    .map((p) => ("literal" in p ? p.literal : (values[p.field] ?? "")))
    .join("");
}

/** True for the http(s) links that services make clickable (Discord embeds accept nothing else). */
export function isWebLink(link: string): boolean {
  return /^https?:\/\/[^\s]+$/i.test(link);
}

export function bareId(messageId: string): string {
  return messageId.replace(/^<|>$/g, "");
}

/** encodeURIComponent, plus the characters it leaves that markup syntaxes use: ! ' ( ) *. */
export function encode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
