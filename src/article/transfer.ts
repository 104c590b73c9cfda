import type { Meter } from "./meter.js";

/** Content-Transfer-Encoding: body lines ("binary" strings) -> bytes. */
export function decodeTransfer(
  lines: readonly string[],
  encoding: string | undefined,
  meter: Meter = { steps: 0 },
): Buffer {
  switch (encoding?.trim().toLowerCase()) {
    case "base64":
      return Buffer.from(lines.join(""), "base64");
    case "quoted-printable":
      return Buffer.from(decodeQuotedPrintable(lines, meter), "latin1");
    default:
      return Buffer.from(lines.join("\n"), "latin1");
  }
}

function decodeQuotedPrintable(lines: readonly string[], meter: Meter): string {
  const joined = lines
    .map((line, i) => {
      const trimmed = trimPadding(line, meter); // RFC 2045: trailing whitespace is transport padding
      if (trimmed.endsWith("=")) return trimmed.slice(0, -1); // soft line break
      return i < lines.length - 1 ? `${trimmed}\n` : trimmed;
    })
    .join("");
  return unescapeHex(joined);
}

/**
 * The line without its trailing spaces and tabs, scanned from the end: the regex /[ \t]+$/ it
 * replaces retried from every space of a run that something else follows, so a line of 100,000
 * spaces and a letter took seconds.
 */
export function trimPadding(line: string, meter: Meter = { steps: 0 }): string {
  let end = line.length;
  while (end > 0 && (line.charCodeAt(end - 1) === 0x20 || line.charCodeAt(end - 1) === 0x09)) end--;
  meter.steps += line.length - end + 1;
  return end === line.length ? line : line.slice(0, end);
}

/** "=XX" -> the byte XX, in a "binary" string (quoted-printable, RFC 2047 Q); a stray "=" stays. */
export function unescapeHex(binary: string): string {
  return binary.replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}
