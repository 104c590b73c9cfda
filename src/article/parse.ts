import { own } from "../util/own.js";
import type { Article } from "./article.js";
import { bodyText, leafText } from "./body.js";
import { Caps, MAX_GROUPS, MAX_REFERENCES } from "./caps.js";
import { toIsoDate } from "./date.js";
import { messageIdOf, parseNewsgroups, parseReferences, parseXref } from "./fields.js";
import { first, type Headers, readHeaders } from "./headers.js";
import { articleLines } from "./lines.js";
import { mimeBudget, mimeTree } from "./mime.js";
import { leafPartOf, splitHeader } from "./single-part.js";
import { makeSnippet } from "./snippet.js";
import { looksWire, unwire } from "./wire.js";

export interface ParseOptions {
  /** The article's own file (absolute), or null when it has none. */
  path: string | null;
  /** INN's token (@…@), when known. */
  token?: string | null;
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
  return parse(raw, opts, articleLines, readLeaf);
}

/**
 * The Article from the header alone, its snippet empty and marked in truncatedFields: for an
 * article whose body could not be parsed within its budget. Reads only up to the first empty line.
 * Throws ArticleParseError as parseArticle does.
 */
export function parseHeadersOnly(raw: Buffer, opts: ParseOptions): Article {
  const end = headerEnd(raw);
  const article = parse(end < 0 ? raw : raw.subarray(0, end), opts, articleLines, headOnly);
  article.bytes = opts.bytes ?? raw.length;
  article.truncatedFields.push("snippet");
  return article;
}

/** The header alone, no body text. */
function headOnly(lines: readonly string[]): Read {
  return { header: splitHeader(lines).fields, text: () => "" };
}

/** Where the line that ends the header starts (LF or CRLF line ends), or -1. */
export function headerEnd(raw: Buffer): number {
  const lf = raw.indexOf("\n\n");
  const crlf = raw.indexOf("\n\r\n");
  if (lf < 0) return crlf < 0 ? -1 : crlf + 1;
  return crlf < 0 || lf < crlf ? lf + 1 : crlf + 1;
}

/**
 * @internal parseArticle() as it was before the single-part fast path: lines split by unwire()
 * and a regex, always through emailjs-mime-parser. The reference the tests hold parseArticle() to.
 */
export function parseArticleViaMime(raw: Buffer, opts: ParseOptions): Article {
  return parse(raw, opts, splitLines, readMime);
}

/** An article's header fields (a folded field is one entry with "\n" before each continuation) and, on demand, its body text. */
interface Read {
  header: readonly string[];
  /** The body text, or a prefix of it that makes the same snippet of maxChars. */
  text(maxChars: number): string;
}

/**
 * Through emailjs-mime-parser: any MIME structure. The header is split here (as emailjs splits it),
 * and emailjs sees only the fields that shape the tree: its header parsing throws on a field named
 * like an Object.prototype key ("Constructor:", "__proto__:"), on a "__proto__*" parameter, or on an
 * address field with thousands of colons, and then reads every body line as a header, so that an
 * article's body could forge its sender. Anyone can post such a header; now it is just a header.
 */
function readMime(lines: readonly string[]): Read {
  const { fields, end } = splitHeader(lines);
  const budget = mimeBudget();
  const root = mimeTree([...mimeFields(fields), "", ...lines.slice(end + 1)], budget);
  return { header: fields, text: () => bodyText(root, budget) };
}

/** The MIME fields (Content-*, MIME-Version) as header lines, "__proto__" parameters defused. */
function mimeFields(fields: readonly string[]): string[] {
  const out: string[] = [];
  for (const field of fields) {
    const name = field
      .slice(0, Math.max(0, field.indexOf(":")))
      .trim()
      .toLowerCase();
    if (!name.startsWith("content-") && name !== "mime-version") continue;
    out.push(...field.replace(/__proto__/gi, "__proto_x").split("\n"));
  }
  // Never an empty header: emailjs would then take the body's leading empty lines for the separator.
  return out.length > 0 ? out : ["X-Newsnotify: no MIME fields"];
}

/**
 * Without a MIME parser when its tree would be one leaf node (no multipart, nothing emailjs would
 * read differently: see leafPartOf), which is what nearly every Usenet article is; else readMime.
 * emailjs's node.raw is the lines joined with "\n" (the first is not empty, or there is no header
 * and parse() throws), so its bodyLines() are exactly the lines after the first empty one.
 */
function readLeaf(lines: readonly string[]): Read {
  const { fields, end } = splitHeader(lines);
  const part = leafPartOf(fields);
  if (!part) return readMime(lines);
  return { header: fields, text: (maxChars) => leafText(part, lines.slice(end + 1), maxChars) };
}

/** The article's lines as it always split them: the reference for articleLines(). */
function splitLines(raw: Buffer): string[] {
  return (looksWire(raw) ? unwire(raw) : raw).toString("latin1").split(/\r?\n/);
}

function parse(
  raw: Buffer,
  opts: ParseOptions,
  split: (raw: Buffer) => string[],
  read: (lines: readonly string[]) => Read,
): Article {
  const { article, headers, messageId } = front(raw, split, read);
  const caps = new Caps();
  const from = fromField(headers, caps);
  const control = first(headers, "control");
  // Owned copies throughout: these strings are cut from the article's whole text (or a decoded
  // body), which V8 would otherwise keep alive for as long as the article waits in the outbox.
  return {
    messageId,
    newsgroups: newsgroupsField(headers, caps),
    from,
    subject: subjectField(headers, caps),
    date: toIsoDate(first(headers, "date")),
    path: opts.path,
    snippet: own(snippet(article, opts.snippetChars ?? 300)),
    group: opts.group,
    number: opts.number,
    xref: caps.list("xref", parseXref(first(headers, "xref")), MAX_GROUPS),
    references: caps
      .list("references", parseReferences(first(headers, "references")), MAX_REFERENCES, true)
      .map(own),
    control: control ? own(caps.text("control", control)) : null,
    organization: text(headers, "organization", caps),
    // Newsreaders that predate User-Agent announced themselves in X-Newsreader or X-Mailer.
    userAgent:
      text(headers, "user-agent", caps, "userAgent") ??
      text(headers, "x-newsreader", caps, "userAgent") ??
      text(headers, "x-mailer", caps, "userAgent"),
    bytes: opts.bytes ?? raw.length,
    truncated: opts.truncated ?? false,
    token: opts.token ?? null,
    truncatedFields: caps.fields,
  };
}

/** Which of the filtered fields some route reads (see RouteGate.reads). */
export interface RouteReads {
  from: boolean;
  subject: boolean;
}

/**
 * Pure: what routing reads from an article's header block, as parseHeadersOnly gives it, except
 * that From and Subject are decoded only when some route filters on them (`reads`, else empty) and
 * the fields no route reads (Date, References, Organization, User-Agent) are left empty: most of an
 * unwanted article's header parse was the From address parser, RFC 2047 and the date (bench/micro.mjs
 * `--feed busy`, the unwanted row). Never delivered: an article a notifier takes is parsed again
 * whole. Throws ArticleParseError as parseArticle does.
 */
export function parseHeadForRoute(raw: Buffer, opts: ParseOptions, reads: RouteReads): Article {
  const end = headerEnd(raw);
  const { headers, messageId } = front(
    end < 0 ? raw : raw.subarray(0, end),
    articleLines,
    headOnly,
  );
  const caps = new Caps();
  const control = first(headers, "control");
  return {
    messageId,
    newsgroups: newsgroupsField(headers, caps),
    from: reads.from ? fromField(headers, caps) : { name: "", address: "" },
    subject: reads.subject ? subjectField(headers, caps) : "",
    date: null,
    path: opts.path,
    snippet: "",
    group: opts.group,
    number: opts.number,
    xref: caps.list("xref", parseXref(first(headers, "xref")), MAX_GROUPS),
    references: [],
    control: control ? own(caps.text("control", control)) : null,
    organization: null,
    userAgent: null,
    bytes: opts.bytes ?? raw.length,
    truncated: opts.truncated ?? false,
    token: opts.token ?? null,
    truncatedFields: caps.fields,
  };
}

/** The header and Message-ID every parse needs; throws ArticleParseError without them. */
function front(
  raw: Buffer,
  split: (raw: Buffer) => string[],
  read: (lines: readonly string[]) => Read,
): { article: Read; headers: Headers; messageId: string } {
  if (raw.length === 0) throw new ArticleParseError("empty article");
  // latin1: one char per byte, so charsets are decided per header and per MIME part later.
  const lines = split(raw);
  if (!lines.includes("")) lines.push(""); // headers only: the parser ends the header on an empty line
  const article = read(lines);
  if (article.header.length === 0) throw new ArticleParseError("no header before the body");
  const headers = readHeaders(article.header);
  const idField = first(headers, "message-id");
  if (idField === undefined) throw new ArticleParseError("no Message-ID header");
  const messageId = messageIdOf(idField);
  if (!messageId)
    throw new ArticleParseError(`unusable Message-ID header: ${JSON.stringify(idField)}`);
  return { article, headers, messageId };
}

function newsgroupsField(headers: Headers, caps: Caps): string[] {
  return caps
    .list("newsgroups", parseNewsgroups(first(headers, "newsgroups")), MAX_GROUPS)
    .map(own);
}

function fromField(headers: Headers, caps: Caps): Article["from"] {
  const from = caps.from(first(headers, "from") ?? "");
  return { name: own(from.name), address: own(from.address) };
}

function subjectField(headers: Headers, caps: Caps): string {
  return own(caps.text("subject", first(headers, "subject") ?? ""));
}

function snippet(article: Read, maxChars: number): string {
  return makeSnippet(article.text(maxChars), maxChars);
}

/** An unstructured field, decoded and capped (its cut reported as `field`), or null when absent. */
function text(headers: Headers, name: string, caps: Caps, field = name): string | null {
  const value = first(headers, name);
  return value ? own(caps.text(field, value)) : null;
}
