import { decodeCharset } from "./charset.js";
import { htmlToText } from "./html.js";
import { bodyLines, declaredCharset, isAttachment, type MimeNode, mediaType } from "./mime.js";
import { decodeTransfer } from "./transfer.js";

/** The readable text of an article: the first inline text/plain part, else the first text/html stripped of tags, else "". */
export function bodyText(root: MimeNode): string {
  const plain = findPart(root, "text/plain");
  if (plain) return partText(plain);
  const html = findPart(root, "text/html");
  return html ? htmlToText(partText(html)) : "";
}

/** Depth first, so a multipart/alternative nested in multipart/mixed is searched in place. */
function findPart(node: MimeNode, type: string): MimeNode | undefined {
  if (node.childNodes.length === 0) {
    return mediaType(node) === type && !isAttachment(node) ? node : undefined;
  }
  for (const child of node.childNodes) {
    const found = findPart(child, type);
    if (found) return found;
  }
  return undefined;
}

function partText(node: MimeNode): string {
  const bytes = decodeTransfer(bodyLines(node), node.contentTransferEncoding?.value);
  return decodeCharset(bytes, declaredCharset(node)).replace(/\r\n?/g, "\n");
}
