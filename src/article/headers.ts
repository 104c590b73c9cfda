import { decodeBinaryString } from "./charset.js";

/** Header fields by lowercased name, values unfolded and trimmed, raw 8-bit bytes decoded; RFC 2047 words left as they are. */
export type Headers = ReadonlyMap<string, readonly string[]>;

/** From the MIME parser's header lines (a folded field is one entry with "\n" before each continuation). */
export function readHeaders(lines: readonly string[]): Headers {
  const headers = new Map<string, string[]>();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    // Only a folded field has line ends to drop; skipping the regex for the rest is measurable.
    const raw = line.slice(colon + 1);
    const value = decodeBinaryString((raw.includes("\n") ? raw.replace(/\r?\n/g, "") : raw).trim());
    const values = headers.get(name);
    if (values) values.push(value);
    else headers.set(name, [value]);
  }
  return headers;
}

/** The first value of a field, or undefined when it is absent. */
export function first(headers: Headers, name: string): string | undefined {
  return headers.get(name)?.[0];
}
