import { createRequire } from "node:module";
import type { MimeNode } from "emailjs-mime-parser";

export type { MimeNode };

type MimeParser = typeof import("emailjs-mime-parser");
let parser: MimeParser | undefined;

/** Nesting (multipart in multipart, message/rfc822 in message/rfc822) is read this deep; deeper parts are leaves. */
export const MAX_MIME_DEPTH = 8;
/** Bytes of lines one article may feed the MIME parser, digest parts read again included. */
export const MIME_BYTE_BUDGET = 4 * 1024 * 1024;
/** MIME nodes per article (emailjs-mime-parser's own cap, which a digest's re-parses each got anew). */
export const MAX_MIME_NODES = 999;

/** What one article may still spend on MIME parsing: shared by every tree built for it. */
export interface MimeBudget {
  bytes: number;
  nodes: number;
}

export function mimeBudget(): MimeBudget {
  return { bytes: MIME_BYTE_BUDGET, nodes: MAX_MIME_NODES };
}

/** Each node's nesting depth (the root of a tree built by mimeTree() has the depth it was given). */
const depths = new WeakMap<MimeNode, number>();

/** A leaf node's body lines (see boundParser). */
const bodies = new WeakMap<MimeNode, string[]>();

export function mimeDepth(node: MimeNode): number {
  return depths.get(node) ?? 0;
}

/**
 * emailjs-mime-parser, loaded the first time an article needs it (a multipart one): with its
 * dependencies (ramda among them) it is about 8 MB of memory that most Usenet articles, plain
 * text, never need. A CommonJS package, so a synchronous require. Bounded on load (boundParser).
 */
function mimeParser(): MimeParser {
  if (!parser) {
    parser = createRequire(import.meta.url)("emailjs-mime-parser") as MimeParser;
    boundParser(parser.MimeNode.prototype as unknown as ParserNode);
  }
  return parser;
}

/** The private parts of emailjs-mime-parser 2.0.7's MimeNode (dist/mimeparser.js) that boundParser replaces. */
interface ParserNode extends MimeNode {
  _state: string;
  _isMultipart: string | false;
  _multipartBoundary: string | false;
  _isRfc822: boolean;
  _currentChild: ParserNode | false;
  _processHeaderLine(line: string): void;
  _processBodyLine(line: string): void;
  _parseHeaderValue(key: string, value: string): { value: unknown; initial: string };
  fetchContentType(): void;
}

/** The fields whose parsed values are read (mediaType, charset, isAttachment, bodyLines). */
const READ_FIELDS = new Set(["content-type", "content-transfer-encoding", "content-disposition"]);

/**
 * Anyone can post the article, so emailjs-mime-parser is made to do only what we read, in time and
 * memory linear in the article. As published, its MimeNode appends every line to the `raw` of every
 * ancestor (600 levels of message/rfc822 around 235 KB took 69 s and 3.5 GB), decodes every leaf's
 * body and runs format=flowed and HTML-charset regexes over it (we read neither: the body is
 * decoded from `raw` by body.ts), and parses address and date fields we never read. Replaced here:
 * - writeLine: `raw` is not kept; a leaf keeps its body lines (bodyLines) and a multipart or
 *   message node passes them on without copying them;
 * - finalize: no body decoding, no bodystructure (neither is read);
 * - fetchContentType: a node at MAX_MIME_DEPTH stays a leaf, whatever its type;
 * - _parseHeaderValue: fields other than READ_FIELDS are kept as written.
 * The node count is the article's MimeBudget (see mimeTree).
 */
function boundParser(proto: ParserNode): void {
  const processBodyLine = proto._processBodyLine;
  const fetchContentType = proto.fetchContentType;
  const parseHeaderValue = proto._parseHeaderValue;
  proto.writeLine = function (this: ParserNode, line: string) {
    if (this._state === "HEADER") {
      this._processHeaderLine(line);
    } else if (this._isMultipart || this._isRfc822) {
      const before = this._currentChild;
      processBodyLine.call(this, line);
      const child = this._currentChild;
      if (child && child !== before) depths.set(child, mimeDepth(this) + 1);
    } else {
      let body = bodies.get(this);
      if (!body) {
        body = [];
        bodies.set(this, body);
      }
      // What `raw` kept: it dropped empty lines while it was empty, so a node without a header
      // lost its leading empty lines.
      if (line !== "" || body.length > 0 || this.header.length > 0) body.push(line);
    }
  };
  proto.finalize = function (this: ParserNode) {
    if (this._isRfc822 && this._currentChild) this._currentChild.finalize();
  };
  proto.fetchContentType = function (this: ParserNode) {
    fetchContentType.call(this);
    if (!this._isMultipart && !this._isRfc822) return;
    if (mimeDepth(this) >= MAX_MIME_DEPTH) {
      this._isMultipart = false;
      this._multipartBoundary = false;
      this._isRfc822 = false;
      this._currentChild = false;
      this.childNodes = [];
    } else if (this._currentChild) {
      depths.set(this._currentChild, mimeDepth(this) + 1);
    }
  };
  proto._parseHeaderValue = function (this: ParserNode, key: string, value: string) {
    return READ_FIELDS.has(key)
      ? parseHeaderValue.call(this, key, value)
      : { value, initial: value };
  };
}

/**
 * The MIME tree of an article's lines ("binary" strings, one char per byte) by emailjs-mime-parser,
 * its root at `depth`. Spends from `budget`: past its bytes the rest of the lines are not read,
 * past its nodes no new part is made.
 */
export function mimeTree(
  lines: readonly string[],
  budget: MimeBudget = mimeBudget(),
  depth = 0,
): MimeNode {
  const counter = {
    bump() {
      if (--budget.nodes < 0) throw new Error("MIME node budget spent");
    },
  };
  budget.nodes++; // the root is counted by its constructor; a tree is never refused its root
  const root = new (mimeParser().MimeNode)(counter);
  depths.set(root, depth);
  for (const line of lines) {
    budget.bytes -= line.length + 1;
    if (budget.bytes < 0) break;
    // A malformed part (or the node budget spent) costs that part, never the article.
    try {
      root.writeLine(line);
    } catch {}
  }
  try {
    root.finalize();
  } catch {}
  return root;
}

/** Content-Type value, lowercased ("text/plain" when absent, per RFC 2045); undefined while the node has no header end. */
export function mediaType(node: MimeNode): string | undefined {
  return node.contentType?.value;
}

/** The declared charset, read from the header as written (emailjs would rewrite params.charset of a decoded text part). */
export function declaredCharset(node: MimeNode): string | undefined {
  return charsetParam(node.headers["content-type"]?.[0]?.initial ?? "");
}

/** The charset parameter of a Content-Type value as written (shared with the single-part fast path). */
export function charsetParam(contentType: string): string | undefined {
  return /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType)?.[1];
}

export function isAttachment(node: MimeNode): boolean {
  return isAttachmentDisposition(node.headers["content-disposition"]?.[0]?.value);
}

/** A Content-Disposition main value (parameters stripped) that marks an attachment. */
export function isAttachmentDisposition(disposition: unknown): boolean {
  return typeof disposition === "string" && disposition.trim().toLowerCase() === "attachment";
}

/**
 * The node's body lines as written (the parser's own decoded content garbles base64 in 8-bit
 * charsets): what emailjs's `raw` held after the header, kept by boundParser's writeLine.
 */
export function bodyLines(node: MimeNode): string[] {
  return bodies.get(node) ?? [];
}
