import type { Article } from "../article/article.js";

/**
 * The JSON contract: the webhook body, the exec notifier's stdin and the `stdout --json` line.
 * Its own list of Article fields (a new Article field is not in the contract until added here);
 * `articlePayload` fixes their order: add new ones at the end.
 */
export type ArticlePayload = Pick<
  Article,
  | "messageId"
  | "newsgroups"
  | "from"
  | "subject"
  | "date"
  | "path"
  | "snippet"
  | "group"
  | "number"
  | "xref"
  | "references"
  | "control"
  | "organization"
  | "userAgent"
  | "bytes"
  | "truncated"
  | "token"
  | "truncatedFields"
>;

/** A fresh object (no shared arrays) with the contract's fields in the contract's order. */
export function articlePayload(a: Article): ArticlePayload {
  return {
    messageId: a.messageId,
    newsgroups: [...a.newsgroups],
    from: { name: a.from.name, address: a.from.address },
    subject: a.subject,
    date: a.date,
    path: a.path,
    snippet: a.snippet,
    group: a.group,
    number: a.number,
    xref: a.xref.map(({ group, number }) => ({ group, number })),
    references: [...a.references],
    control: a.control,
    organization: a.organization,
    userAgent: a.userAgent,
    bytes: a.bytes,
    truncated: a.truncated,
    token: a.token,
    // An article journaled by an older version has none.
    truncatedFields: [...(a.truncatedFields ?? [])],
  };
}

/**
 * The payload as one line of JSON. Beyond JSON.stringify's escapes, DEL, C1 controls and Unicode line
 * and direction controls are escaped too, so that the line is safe to print on a terminal.
 */
export function payloadJson(a: Article): string {
  return JSON.stringify(articlePayload(a)).replace(
    /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
