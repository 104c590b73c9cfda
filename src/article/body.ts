import { isUtf8 } from "node:buffer";
import { decodeCharset } from "./charset.js";
import { htmlToText } from "./html.js";
import {
  bodyLines,
  declaredCharset,
  isAttachment,
  type MimeBudget,
  type MimeNode,
  mediaType,
  mimeDepth,
  mimeTree,
} from "./mime.js";
import { decodeTransfer } from "./transfer.js";

/** The readable text of an article: the first inline text/plain part, else the first text/html stripped of tags, else "". */
export function bodyText(root: MimeNode, budget: MimeBudget): string {
  const plain = findPart(root, "text/plain", budget);
  if (plain) return partText(plain);
  const html = findPart(root, "text/html", budget);
  return html ? htmlToText(partText(html)) : "";
}

/** What a one-node article needs for its text: the header fields as emailjs-mime-parser would read them. */
export interface LeafPart {
  /** Content-Type main value, lowercased and trimmed ("text/plain" when absent). */
  mediaType: string;
  /** Content-Transfer-Encoding main value, lowercased and trimmed ("7bit" when absent). */
  transferEncoding: string;
  /** The charset parameter as written, or undefined. */
  charset: string | undefined;
  /** Content-Disposition is "attachment". */
  attachment: boolean;
}

/**
 * bodyText() of a tree that is this one leaf node with these body lines, without building the
 * tree; or, when it is certain to give the same makeSnippet(text, maxChars), only a prefix of it
 * longer than maxChars (see plainPrefix).
 */
export function leafText(part: LeafPart, lines: readonly string[], maxChars = Infinity): string {
  // findPart() on a childless root: the root itself if its type matches and it is inline.
  if (part.attachment) return "";
  if (part.mediaType === "text/plain") {
    return (
      plainPrefix(part, lines, maxChars) ?? decodePart(lines, part.transferEncoding, part.charset)
    );
  }
  if (part.mediaType === "text/html") {
    // No prefix here: a comment, <script> or tag cut short would strip differently.
    return htmlToText(decodePart(lines, part.transferEncoding, part.charset));
  }
  return "";
}

/**
 * makeSnippet(text, max) reads only text.slice(0, limit) and whether text is longer than limit,
 * so any prefix P of the text with P.length > limit gives the same snippet. We decode the bytes
 * up to and including a LF (the first `bound` bytes or so) and keep the result when it is longer
 * than limit, which is a prefix of the whole text when:
 * - the transfer encoding is the identity (7bit, 8bit, binary, unknown): the bytes are the lines
 *   joined with LF, and the first k lines plus "" join to the first bytes of that, through a LF;
 *   base64 and quoted-printable (soft breaks join escapes across lines) are decoded whole;
 * - the charset decoder is stateless at a LF: one code point per byte (windows-1252 and the other
 *   WHATWG single-byte encodings), or UTF-8, where a LF is never inside a sequence and ends any
 *   broken one, so decoding stops at it the same way with or without what follows; a UTF-8 BOM
 *   is dropped from both. Multi-byte and stateful encodings (ISO-2022-JP keeps its state across
 *   lines; UTF-16 has no byte LF) are decoded whole;
 * - no charset (or us-ascii): UTF-8 only if the whole body is valid UTF-8, else windows-1252:
 *   that choice is made over the whole body's bytes (linesAreUtf8), and the prefix is decoded
 *   with it;
 * - and the CR rule (\r\n? -> \n) cannot see past a prefix that ends in LF.
 * Returns undefined when the whole body must be decoded.
 */
function plainPrefix(
  part: LeafPart,
  lines: readonly string[],
  maxChars: number,
): string | undefined {
  const limit = Math.max(0, Math.floor(maxChars)); // as makeSnippet() computes it
  if (!Number.isFinite(limit)) return undefined;
  const encoding = part.transferEncoding.trim().toLowerCase(); // as decodeTransfer() reads it
  if (encoding === "base64" || encoding === "quoted-printable") return undefined;
  const decoder = decoderKind(part.charset);
  if (decoder === "whole") return undefined;
  // Text is rarely under a quarter of its bytes (3-byte UTF-8, CRLF pairs); when it is, we decode
  // the whole body after all, having lost little.
  const bound = 4 * limit + 256;
  let k = 0;
  for (let bytes = 0; k < lines.length && bytes < bound; k++)
    bytes += (lines[k] as string).length + 1;
  if (k >= lines.length) return undefined; // the prefix would be all of it, plus a LF it has not got
  // Unlabelled: the whole body's choice, made without decoding it (a 500 KB yEnc body is 8-bit).
  const charset =
    decoder === "unlabelled" && !linesAreUtf8(lines, k) ? "windows-1252" : part.charset;
  const text = decodePart([...lines.slice(0, k), ""], part.transferEncoding, charset);
  return text.length > limit ? text : undefined;
}

/**
 * Whether the lines joined with LF are valid UTF-8, checked line by line after the first `k` at
 * once: a UTF-8 sequence never holds a LF byte, so one cut by a LF is invalid on both sides, and
 * the whole is valid exactly when every line is. Most binaries fail in the first lines.
 */
function linesAreUtf8(lines: readonly string[], k: number): boolean {
  if (!isUtf8(Buffer.from(lines.slice(0, k).join("\n"), "latin1"))) return false;
  for (let i = k; i < lines.length; i++) {
    const line = lines[i] as string;
    if (EIGHT_BIT.test(line) && !isUtf8(Buffer.from(line, "latin1"))) return false;
  }
  return true;
}

const EIGHT_BIT = /[\x80-\xff]/;

/** TextDecoder encodings that map every byte to one code point, whatever came before it. */
const SINGLE_BYTE = new Set([
  "ibm866",
  "iso-8859-2",
  "iso-8859-3",
  "iso-8859-4",
  "iso-8859-5",
  "iso-8859-6",
  "iso-8859-7",
  "iso-8859-8",
  "iso-8859-8-i",
  "iso-8859-10",
  "iso-8859-13",
  "iso-8859-14",
  "iso-8859-15",
  "iso-8859-16",
  "koi8-r",
  "koi8-u",
  "macintosh",
  "windows-874",
  "windows-1250",
  "windows-1251",
  "windows-1252",
  "windows-1253",
  "windows-1254",
  "windows-1255",
  "windows-1256",
  "windows-1257",
  "windows-1258",
  "x-mac-cyrillic",
]);

type DecoderKind = "unlabelled" | "stateless" | "whole";
const kinds = new Map<string, DecoderKind>();

/** How decodeCharset() would decode bytes with this charset label, for plainPrefix. */
function decoderKind(charset: string | undefined): DecoderKind {
  const label = charset?.trim().toLowerCase(); // as decodeCharset() reads it
  if (!label || label === "us-ascii" || label === "ascii") return "unlabelled";
  let kind = kinds.get(label);
  if (kind === undefined) {
    let encoding = "utf-8"; // decodeCharset's fallback for a label TextDecoder does not know
    try {
      encoding = new TextDecoder(label).encoding;
    } catch {}
    kind = encoding === "utf-8" || SINGLE_BYTE.has(encoding) ? "stateless" : "whole";
    if (kinds.size >= 256) kinds.clear(); // labels come from articles: keep the cache small
    kinds.set(label, kind);
  }
  return kind;
}

/** Depth first, so a multipart/alternative nested in multipart/mixed is searched in place. */
function findPart(node: MimeNode, type: string, budget: MimeBudget): MimeNode | undefined {
  if (node.childNodes.length === 0) {
    return mediaType(node) === type && !isAttachment(node) ? node : undefined;
  }
  const digest = mediaType(node) === "multipart/digest";
  for (const child of node.childNodes) {
    const found = findPart(digest ? embedded(child, budget) : child, type, budget);
    if (found) return found;
  }
  return undefined;
}

/**
 * A part of a multipart/digest without a Content-Type is message/rfc822 (RFC 2046 5.1.5), not
 * text/plain: its body is a whole message, whose text is what we want, not its header. Parsed
 * one level deeper, from the article's own budget: a digest of digests is nesting like any other.
 */
function embedded(part: MimeNode, budget: MimeBudget): MimeNode {
  if (part.headers["content-type"] || part.childNodes.length > 0) return part;
  return mimeTree(bodyLines(part), budget, mimeDepth(part) + 1);
}

function partText(node: MimeNode): string {
  return decodePart(bodyLines(node), node.contentTransferEncoding?.value, declaredCharset(node));
}

function decodePart(
  lines: readonly string[],
  transferEncoding: string | undefined,
  charset: string | undefined,
): string {
  const text = decodeCharset(decodeTransfer(lines, transferEncoding), charset);
  // Most bodies have no CR left (the line split took those before LF); skip the regex for them.
  return text.includes("\r") ? text.replace(/\r\n?/g, "\n") : text;
}
