/** Text measuring, cleaning and truncation that never splits a character (nor a grapheme cluster). */

/** How a service counts its limits. */
export type Measure = (text: string) => number;

/** UTF-16 code units: never fewer than the code points or characters a service counts. */
export const utf16: Measure = (text) => text.length;
export const utf8Bytes: Measure = (text) => Buffer.byteLength(text, "utf8");

export const ELLIPSIS = "…";

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/**
 * The first `k` of the code points `cps`, moved back to a grapheme boundary so that an emoji with
 * modifiers or a letter with its accents stays whole. Only a window around the cut is segmented:
 * Intl.Segmenter is far too slow to run over a whole article on every try of a binary search.
 */
export function cutAt(cps: readonly string[], k: number): string {
  if (k >= cps.length) return cps.join("");
  const from = Math.max(0, k - 16);
  const window = cps.slice(from, k + 16).join("");
  const cut = cps.slice(from, k).join("").length;
  let boundary = 0;
  for (const { index } of segmenter.segment(window)) {
    if (index > cut) break;
    boundary = index;
  }
  return cps.slice(0, from).join("") + window.slice(0, boundary);
}

/**
 * The longest grapheme-boundary prefix of `cps` plus "…" that `fits` accepts,
 * or null when not even "…" alone fits.
 */
export function longestFit(
  cps: readonly string[],
  fits: (prefix: string) => boolean,
): string | null {
  if (!fits(ELLIPSIS)) return null;
  let lo = 0;
  let hi = cps.length;
  // Largest k whose cut fits; cuts only grow with k, so fitting is monotonic.
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(cutAt(cps, mid).trimEnd() + ELLIPSIS)) lo = mid;
    else hi = mid - 1;
  }
  return cutAt(cps, lo).trimEnd() + ELLIPSIS;
}

/** `text` if it fits in `max`, else its longest grapheme-boundary prefix plus "…" that fits. */
export function truncate(text: string, max: number, measure: Measure = utf16): string {
  if (measure(text) <= max) return text;
  // Every code point is at least one unit, so no prefix longer than `max` code points can fit.
  const cps = Array.from(text).slice(0, max);
  return longestFit(cps, (prefix) => measure(prefix) <= max) ?? "";
}

/**
 * Article text made safe to embed anywhere: C0/C1 controls, DEL, Unicode line separators and bidi
 * overrides (which can disguise text) removed; tabs become spaces; line breaks kept only if `multiline`.
 */
export function clean(text: string, multiline: boolean): string {
  const lines = text.replace(/\r\n?/g, "\n").replace(/\t/g, " ").replace(UNSAFE, "");
  return multiline ? lines : lines.replace(/\n+/g, " ").trim();
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
