/** An article's template fields: cleaned of control characters, one line each except the snippet. */
import type { Article } from "../../article/article.js";
import { bareId, encode, renderLink } from "./link.js";
import type { FieldValues } from "./template.js";
import { clean } from "./text.js";

export function articleFields(a: Article, linkPattern: string): FieldValues {
  const one = (text: string) => clean(text, false);
  const { name, address } = a.from;
  const from = name && address ? `${name} <${address}>` : name || address;
  const groups = a.newsgroups.length > 0 ? a.newsgroups : [a.group];
  return {
    subject: one(a.subject) || "(no subject)",
    from: one(from) || "(unknown sender)",
    fromName: one(name || address),
    fromAddress: one(address),
    newsgroups: one(groups.join(", ")),
    group: one(a.group),
    number: String(a.number),
    date: a.date ? readableDate(a.date) : "",
    snippet: clean(a.snippet, true).trim(),
    messageId: one(a.messageId),
    messageIdBare: one(bareId(a.messageId)),
    messageIdEncoded: encode(bareId(a.messageId)),
    link: renderLink(linkPattern, a),
  };
}

/** "2026-11-24 21:24 UTC" from the ISO date the parser gives. */
export function readableDate(iso: string): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
}
