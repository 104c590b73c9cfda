import { parseMailbox } from "./address.js";
import type { Article } from "./article.js";
import { bodyText } from "./body.js";
import { toIsoDate } from "./date.js";
import { messageIdOf, parseNewsgroups, parseReferences, parseXref } from "./fields.js";
import { first, type Headers, readHeaders } from "./headers.js";
import { mimeTree } from "./mime.js";
import { decodeWords } from "./rfc2047.js";
import { makeSnippet } from "./snippet.js";
import { looksWire, unwire } from "./wire.js";

export interface ParseOptions {
  /** The file innd created (absolute). */
  path: string;
  group: string;
  number: number;
  /** Default 300. */
  snippetChars?: number;
  /** Only the first part of a huge article was read. Default false. */
  truncated?: boolean;
  /** Size of the stored file. Default: raw.length. */
  bytes?: number;
}

export class ArticleParseError extends Error {
  override readonly name = "ArticleParseError";

  constructor(readonly reason: string) {
    super(reason);
  }
}

/** Pure: bytes of a stored article (wire format or not — detect it) -> Article. Throws ArticleParseError only when there is no usable article (no header/body separation, no Message-ID). */
export function parseArticle(raw: Buffer, opts: ParseOptions): Article {
  if (raw.length === 0) throw new ArticleParseError("empty article");
  // latin1: one char per byte, so charsets are decided per header and per MIME part later.
  const lines = (looksWire(raw) ? unwire(raw) : raw).toString("latin1").split(/\r?\n/);
  if (!lines.includes("")) lines.push(""); // headers only: the parser ends the header on an empty line
  const root = mimeTree(lines);
  if (root.header.length === 0) throw new ArticleParseError("no header before the body");
  const headers = readHeaders(root.header);
  const idField = first(headers, "message-id");
  if (idField === undefined) throw new ArticleParseError("no Message-ID header");
  const messageId = messageIdOf(idField);
  if (!messageId)
    throw new ArticleParseError(`unusable Message-ID header: ${JSON.stringify(idField)}`);

  return {
    messageId,
    newsgroups: parseNewsgroups(first(headers, "newsgroups")),
    from: parseMailbox(first(headers, "from") ?? ""),
    subject: decodeWords(first(headers, "subject") ?? ""),
    date: toIsoDate(first(headers, "date")),
    path: opts.path,
    snippet: makeSnippet(bodyText(root), opts.snippetChars ?? 300),
    group: opts.group,
    number: opts.number,
    xref: parseXref(first(headers, "xref")),
    references: parseReferences(first(headers, "references")),
    control: first(headers, "control") || null,
    organization: text(headers, "organization"),
    // Newsreaders that predate User-Agent announced themselves in X-Newsreader or X-Mailer.
    userAgent:
      text(headers, "user-agent") ?? text(headers, "x-newsreader") ?? text(headers, "x-mailer"),
    bytes: opts.bytes ?? raw.length,
    truncated: opts.truncated ?? false,
  };
}

function text(headers: Headers, name: string): string | null {
  const value = first(headers, name);
  return value ? decodeWords(value) : null;
}
