import { createRequire } from "node:module";
import type { MimeNode } from "emailjs-mime-parser";

export type { MimeNode };

type MimeParser = typeof import("emailjs-mime-parser");
let parser: MimeParser | undefined;

/**
 * emailjs-mime-parser, loaded the first time an article needs it (a multipart one): with its
 * dependencies (ramda among them) it is about 8 MB of memory that most Usenet articles, plain
 * text, never need. A CommonJS package, so a synchronous require.
 */
function mimeParser(): MimeParser {
  parser ??= createRequire(import.meta.url)("emailjs-mime-parser") as MimeParser;
  return parser;
}

/** The MIME tree of an article's lines ("binary" strings, one char per byte) by emailjs-mime-parser. */
export function mimeTree(lines: readonly string[]): MimeNode {
  const root = new (mimeParser().MimeNode)();
  for (const line of lines) {
    // A malformed part (or the parser's 999-node cap) costs that part, never the article.
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

/** The declared charset, read from the header as written: the parser rewrites params.charset to "utf-8". */
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

/** The node's body lines, from its raw text (the parser's own decoded content garbles base64 in 8-bit charsets). */
export function bodyLines(node: MimeNode): string[] {
  const lines = node.raw.split("\n");
  const headerLines = node.header.reduce((n, field) => n + field.split("\n").length, 0);
  // raw drops leading empty lines, so a node without a header has no separator line either.
  return headerLines === 0 ? lines : lines.slice(headerLines + 1);
}
