/** Bytes -> text for a declared charset, or for none (RFC 5536/6532 raw 8-bit). Never throws. */

// WHATWG index-windows-1252 for 0x80-0x9F. Node >= 20.18.3 decodes windows-1252 as ISO-8859-1
// (nodejs/node#56542, #60888), turning smart quotes into C1 controls, so this one is ours.
const WINDOWS_1252_C1 =
  "\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f" +
  "\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178";

/** UTF-8 when the bytes are valid UTF-8, else windows-1252 (what "latin1" means in practice). */
export function decodeUnlabelled(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return decodeWindows1252(bytes);
  }
}

/** Decode with the declared charset; none or us-ascii with 8-bit bytes is guessed; unknown -> UTF-8 with U+FFFD. */
export function decodeCharset(bytes: Uint8Array, charset: string | undefined): string {
  const label = charset?.trim().toLowerCase();
  if (!label || label === "us-ascii" || label === "ascii") return decodeUnlabelled(bytes);
  const decoder = decoderFor(label);
  // Every WHATWG label of windows-1252 (latin1, iso-8859-1, cp1252, ...) lands here.
  return decoder.encoding === "windows-1252" ? decodeWindows1252(bytes) : decoder.decode(bytes);
}

/** A "binary" string (one char per byte, as the MIME parser keeps lines) -> text, 8-bit bytes guessed. */
export function decodeBinaryString(s: string): string {
  return /[\x80-\xff]/.test(s) ? decodeUnlabelled(Buffer.from(s, "latin1")) : s;
}

export function decodeWindows1252(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString("latin1")
    .replace(/[\x80-\x9f]/g, (c) => WINDOWS_1252_C1[c.charCodeAt(0) - 0x80] ?? c);
}

function decoderFor(label: string) {
  try {
    return new TextDecoder(label);
  } catch {
    return new TextDecoder("utf-8");
  }
}
