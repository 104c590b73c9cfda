/** Content-Transfer-Encoding: body lines ("binary" strings) -> bytes. */
export function decodeTransfer(lines: readonly string[], encoding: string | undefined): Buffer {
  switch (encoding?.trim().toLowerCase()) {
    case "base64":
      return Buffer.from(lines.join(""), "base64");
    case "quoted-printable":
      return Buffer.from(decodeQuotedPrintable(lines), "latin1");
    default:
      return Buffer.from(lines.join("\n"), "latin1");
  }
}

function decodeQuotedPrintable(lines: readonly string[]): string {
  const joined = lines
    .map((line, i) => {
      const trimmed = line.replace(/[ \t]+$/, ""); // RFC 2045: trailing whitespace is transport padding
      if (trimmed.endsWith("=")) return trimmed.slice(0, -1); // soft line break
      return i < lines.length - 1 ? `${trimmed}\n` : trimmed;
    })
    .join("");
  return unescapeHex(joined);
}

/** "=XX" -> the byte XX, in a "binary" string (quoted-printable, RFC 2047 Q); a stray "=" stays. */
export function unescapeHex(binary: string): string {
  return binary.replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}
