/**
 * The fast path for articles without MIME structure: most Usenet posts are one text/plain part,
 * and for those emailjs-mime-parser's header processing (charset conversion, RFC 2047 and address
 * parsing of every field, none of which we read) costs more than everything else in parseArticle.
 *
 * Every function here reproduces exactly what emailjs-mime-parser 2.0.7 (dist/mimeparser.js) does,
 * or reports that it cannot, in which case the caller runs emailjs-mime-parser as before. The
 * property test test/unit/property/parse-fastpath.property.test.ts holds the two paths equal.
 */
import type { LeafPart } from "./body.js";
import { charsetParam, isAttachmentDisposition } from "./mime.js";

/** The header fields of an article's lines, and the index of the empty line that ends them. */
export interface HeaderBlock {
  /** One entry per field; a folded field has "\n" before each continuation line. */
  fields: string[];
  /** Index of the first empty line (lines.length when there is none). */
  end: number;
}

/**
 * MimeNode._processHeaderLine: the header ends at the first line that is exactly "" (a line of
 * just "\r" is not empty); a line starting with /\s/ (so also \v, \f, \r, U+00A0, not just space
 * and tab) continues the previous field, unless there is none yet: then it is a field of its own.
 */
export function splitHeader(lines: readonly string[]): HeaderBlock {
  const fields: string[] = [];
  let end = 0;
  for (; end < lines.length; end++) {
    const line = lines[end] as string;
    if (line === "") break;
    if (fields.length > 0 && /^\s/.test(line)) fields[fields.length - 1] += `\n${line}`;
    else fields.push(line);
  }
  return { fields, end };
}

// Fields that MimeNode._parseHeaderValue gives to emailjs-mime-codec's parseHeaderValue ...
const STRUCTURED = new Set([
  "content-type",
  "content-transfer-encoding",
  "content-disposition",
  "dkim-signature",
]);
// ... and to emailjs-addressparser.
const ADDRESS = new Set([
  "from",
  "sender",
  "to",
  "reply-to",
  "cc",
  "bcc",
  "abuse-reports-to",
  "errors-to",
  "return-path",
  "delivered-to",
]);
/**
 * emailjs-addressparser recurses once per ":" (a group inside a group); about 2,000 overflow the
 * stack. Far below that, with margin for a deeper caller (and for charset conversion, which never
 * makes more characters than bytes), we let emailjs run and fail as it always has.
 */
const MAX_ADDRESS_FIELD = 512;
/** Keys `key in Object.prototype` would find; a Set because `in` with a fresh string is slow. */
const PROTOTYPE_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * How emailjs-mime-parser would see a header block, when that is certain and its tree would be a
 * single leaf node: then bodyText(tree) === leafText(part, lines after the header). undefined when
 * the article must go through emailjs-mime-parser:
 * - multipart/* and message/*: a tree of parts to build (that is what emailjs is for);
 * - when MimeNode._parseHeaders would throw: mimeTree() swallows the error but the node stays in
 *   its HEADER state, so the whole article becomes header lines and no content type is set. It
 *   throws for a field named "constructor" or "__proto__" (its headers object is a plain {} and
 *   `(headers[key] || []).concat` finds Object.prototype's), for a "__proto__*" parameter in a
 *   structured field (parseHeaderValue's RFC 2231 handling, same cause), and for an address field
 *   deep enough to overflow the stack;
 * - when emailjs would change the fields we read before we see them: 8-bit bytes (converted with
 *   the charset of whichever Content-Type names one first, re-run from the start once it is
 *   known) or "=?" (RFC 2047 decoding of the value and its parameters) in Content-Type,
 *   Content-Transfer-Encoding or Content-Disposition.
 */
export function leafPartOf(fields: readonly string[]): LeafPart | undefined {
  let contentType: string | undefined;
  let transferEncoding: string | undefined;
  let disposition: string | undefined;
  for (const field of fields) {
    // MimeNode._parseHeaders: key = before the first ":" (the whole field when none), trimmed and
    // lowercased; value = after it, "\n" removed, trimmed.
    const colon = field.indexOf(":");
    const key = (colon < 0 ? field : field.slice(0, colon)).trim().toLowerCase();
    if (PROTOTYPE_KEYS.has(key)) return undefined;
    if (ADDRESS.has(key)) {
      if (field.length > MAX_ADDRESS_FIELD) return undefined;
      continue;
    }
    if (!STRUCTURED.has(key)) continue;
    const value =
      colon < 0
        ? ""
        : field
            .slice(colon + 1)
            .replace(/\n/g, "")
            .trim();
    if (/__proto__/i.test(value)) return undefined;
    // Only the first of each is read (headers[key][0]); later ones are parsed and dropped.
    if (key === "content-type") contentType ??= value;
    else if (key === "content-transfer-encoding") transferEncoding ??= value;
    else if (key === "content-disposition") disposition ??= value;
  }
  if (![contentType, transferEncoding, disposition].every(isLiteral)) return undefined;

  // MimeNode.fetchContentType: absent means text/plain (RFC 2045).
  const mediaType = mainValue(contentType ?? "text/plain")
    .toLowerCase()
    .trim();
  const slash = mediaType.indexOf("/");
  const type = (slash < 0 ? mediaType : mediaType.slice(0, slash)) || "text"; // split("/")[0] || "text"
  if (type === "multipart" || type === "message") return undefined;
  return {
    mediaType,
    // MimeNode._processContentTransferEncoding: absent means 7bit.
    transferEncoding: mainValue(transferEncoding ?? "7bit")
      .toLowerCase()
      .trim(),
    // headers["content-type"][0].initial is the value as written (given no 8-bit bytes).
    charset: charsetParam(contentType ?? ""),
    attachment: disposition !== undefined && isAttachmentDisposition(mainValue(disposition)),
  };
}

/** A value emailjs leaves as it is: no 8-bit byte to convert, no encoded word to decode. */
function isLiteral(value: string | undefined): boolean {
  return value === undefined || (!/[\u0080-\uffff]/.test(value) && !value.includes("=?"));
}

/**
 * emailjs-mime-codec parseHeaderValue(str).value: up to the first ";" outside quotes, with
 * backslash escapes undone and quote marks dropped, trimmed ("\"text/plain\"" is text/plain).
 */
export function mainValue(str: string): string {
  let value = "";
  let quoted = false;
  let escaped = false;
  for (let i = 0; i < str.length; i++) {
    const chr = str.charAt(i);
    if (escaped) {
      value += chr;
    } else if (chr === "\\") {
      escaped = true;
      continue;
    } else if (chr === '"') {
      quoted = !quoted;
    } else if (!quoted && chr === ";") {
      break;
    } else {
      value += chr;
    }
    escaped = false;
  }
  return value.trim();
}
