/** INN's wire format: CRLF line ends, dot-stuffed lines, a "." line at the end. */

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const TERMINATOR = Buffer.from("\r\n.\r\n", "latin1");

/** Undo INN wire format: CRLF -> "\n" (lone CR/LF tolerated), strip the final ".\r\n" terminator line, undo dot-stuffing ("..x" -> ".x"). Works on Buffer (bytes, not strings: articles may be latin1). */
export function unwire(raw: Buffer): Buffer {
  const out = Buffer.allocUnsafe(raw.length);
  let written = 0;
  let start = 0;
  while (start < raw.length) {
    const lf = raw.indexOf(LF, start);
    const next = lf === -1 ? raw.length : lf + 1;
    let end = lf === -1 ? raw.length : lf;
    if (end > start && raw[end - 1] === CR) end--;
    if (end - start === 1 && raw[start] === DOT) break; // the terminator: a body "." line is stored as ".."
    if (end - start >= 2 && raw[start] === DOT && raw[start + 1] === DOT) start++;
    written += raw.copy(out, written, start, end);
    if (lf !== -1) out[written++] = LF;
    start = next;
  }
  return out.subarray(0, written);
}

/** True when a stored wire-format article is complete (ends with "\r\n.\r\n"). */
export function isCompleteWire(tail: Buffer): boolean {
  return tail.length >= TERMINATOR.length && tail.subarray(-TERMINATOR.length).equals(TERMINATOR);
}

/** Wire format is detected by its terminator, or (for a truncated read) a CRLF ending the first line. */
export function looksWire(raw: Buffer): boolean {
  const lf = raw.indexOf(LF);
  return isCompleteWire(raw) || (lf > 0 && raw[lf - 1] === CR);
}
