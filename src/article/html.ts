/**
 * text/html -> plain text for a snippet: tags out, entities in, one line per block.
 *
 * Anyone can post the HTML, so every pass is a linear scan: the regexes this replaces
 * (`<[^>]*>`, `<!--[\s\S]*?-->`, `<script\b[\s\S]*?<\/script\s*>` ...) scan to the end of the text
 * from every "<" that has no match, which made a body of 1 MB of "<" take minutes. Each pass
 * gives exactly what its regex gave (test/unit/article/html.test.ts holds them equal), and each
 * search remembers what it found or that nothing is left, so no character is scanned twice for
 * the same thing. `meter` counts the characters scanned, for the test that proves it.
 */
import { isSpace } from "../util/space.js";
import type { Meter } from "./meter.js";

const ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
};
/** Tags that start a line (the names of the old BLOCK regex). */
const BLOCKS = new Set([
  ..."br p div li ul ol tr table blockquote pre hr".split(" "),
  ..."h1 h2 h3 h4 h5 h6".split(" "),
]);
/** Elements dropped with their content. */
const DROPPED = ["head", "script", "style", "title"];

export function htmlToText(html: string, meter: Meter = { steps: 0 }): string {
  let text = dropComments(html, meter);
  text = dropElements(text, meter);
  // HTML whitespace is not significant; blocks make the line ends. (Linear: a greedy run with
  // nothing after it to backtrack for.)
  meter.steps += text.length;
  text = text.replace(/\s+/g, " ");
  text = dropTags(replaceBlocks(text, meter), meter);
  meter.steps += text.length;
  // Linear: after "&" each alternative is a run of one character class ending at the first
  // character outside it, and those runs never contain the next "&".
  return text
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, decodeEntity)
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .join("\n");
}

/** `<!--[\s\S]*?-->` removed, as String.replace with that regex. */
function dropComments(s: string, meter: Meter): string {
  let out = "";
  let from = 0;
  for (;;) {
    const open = findAfterLt(s, "!--", from, meter);
    if (open < 0) break;
    const close = find(s, "-->", open + 4, meter);
    // No "-->" after this "<!--" means none after any later one either.
    if (close < 0) break;
    out += s.slice(from, open);
    from = close + 3;
  }
  return out + s.slice(from);
}

/** `<(head|script|style|title)\b[\s\S]*?<\/\1\s*>` (case-insensitive) removed. */
function dropElements(s: string, meter: Meter): string {
  const lower = asciiLower(s); // same length: the regex's /i folds ASCII letters only here
  const tags = DROPPED.map((name) => ({ name, open: -2, close: new CloseTag(lower, name) }));
  let out = "";
  let from = 0;
  let at = 0;
  for (;;) {
    // The next "<name" of each name, searched for again only once passed (a flood of "<" is
    // never looked at one by one).
    let next: (typeof tags)[number] | undefined;
    for (const tag of tags) {
      if (tag.open !== -1 && tag.open < at) tag.open = findAfterLt(lower, tag.name, at, meter);
      if (tag.open >= 0 && (!next || tag.open < next.open)) next = tag;
    }
    if (!next) break;
    const lt = next.open;
    at = lt + 1;
    if (isWordChar(lower.charCodeAt(lt + 1 + next.name.length))) continue;
    const end = next.close.endAfter(lt + 1 + next.name.length, meter);
    if (end < 0) continue;
    out += s.slice(from, lt);
    from = at = end;
  }
  return out + s.slice(from);
}

/** The first `</name\s*>` at or after a position, remembered: positions only grow. */
class CloseTag {
  /** Where the last search started and what it found (its end, or -1 for none). */
  #from = -1;
  #end = -1;
  #start = -1;
  constructor(
    private readonly lower: string,
    private readonly name: string,
  ) {}

  /** The end (after ">") of the first close tag starting at or after `from`, or -1. */
  endAfter(from: number, meter: Meter): number {
    if (this.#from >= 0 && this.#from <= from && (this.#end < 0 || this.#start >= from))
      return this.#end;
    const needle = `</${this.name}`;
    let at = from;
    this.#from = from;
    for (;;) {
      const start = findAfterLt(this.lower, needle.slice(1), at, meter);
      if (start < 0) {
        this.#end = -1;
        return -1;
      }
      let i = start + needle.length;
      while (isSpace(this.lower.charCodeAt(i))) i++;
      meter.steps += i - start - needle.length;
      if (this.lower.charCodeAt(i) === GT) {
        this.#start = start;
        this.#end = i + 1;
        return this.#end;
      }
      at = start + 1;
    }
  }
}

/** Block tags (the BLOCK regex `<\/?(?:br|p|…)\b[^>]*>`, case-insensitive) -> "\n". */
function replaceBlocks(s: string, meter: Meter): string {
  return replaceUpToGt(s, meter, (lt) => (isBlockTag(s, lt) ? "\n" : undefined));
}

/** Every `<[^>]*>` -> "". */
function dropTags(s: string, meter: Meter): string {
  return replaceUpToGt(s, meter, () => "");
}

/**
 * Each "<" that `replacement` takes, through the first ">" after it, replaced. The first ">" is
 * searched for once and kept until passed; when there is none, no later "<" can have one either.
 */
function replaceUpToGt(
  s: string,
  meter: Meter,
  replacement: (lt: number) => string | undefined,
): string {
  let out = "";
  let from = 0;
  let at = 0;
  let gt = -2; // the first ">" at or after the last "<" looked at; -1: none; -2: not searched
  for (;;) {
    const lt = find(s, "<", at, meter);
    if (lt < 0) break;
    at = lt + 1;
    if (gt !== -1 && gt < lt) gt = find(s, ">", lt, meter);
    if (gt < 0) break;
    const by = replacement(lt);
    if (by === undefined) continue;
    out += s.slice(from, lt) + by;
    from = at = gt + 1;
  }
  return out + s.slice(from);
}

/** `<\/?(?:br|p|div|h[1-6]|…)\b` at `lt`, case-insensitive. */
function isBlockTag(s: string, lt: number): boolean {
  let i = lt + 1;
  if (s.charCodeAt(i) === SLASH) i++;
  if (!isWordChar(s.charCodeAt(i))) return false;
  let j = i;
  // Names are at most 10 letters: a longer word run is no block name, whatever its length.
  while (j - i <= 10 && isWordChar(s.charCodeAt(j))) j++;
  return j - i <= 10 && BLOCKS.has(s.slice(i, j).toLowerCase());
}

const GT = 0x3e;
const LT = 0x3c;
const SLASH = 0x2f;

/** indexOf, metered by the characters it passed over. */
function find(s: string, needle: string, from: number, meter: Meter): number {
  const at = s.indexOf(needle, from);
  meter.steps += (at < 0 ? s.length : at + needle.length) - from;
  return at;
}

/**
 * find(s, "<" + rest, from), searching for `rest` and looking back for its "<": V8 searches a
 * short needle by its first character, which in a flood of "<" is everywhere.
 */
function findAfterLt(s: string, rest: string, from: number, meter: Meter): number {
  for (let at = from + 1; ; ) {
    const hit = find(s, rest, at, meter);
    if (hit < 0) return -1;
    if (s.charCodeAt(hit - 1) === LT) return hit - 1;
    at = hit + 1;
  }
}

/** ASCII A-Z lowered, nothing else: the same length as the input. */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** The regex `\w` (no u flag). */
function isWordChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f
  );
}

/** One `&…;` reference as the entity regex caught it (the unknown ones kept as written). */
export function decodeEntity(whole: string, name: string): string {
  if (name.startsWith("#")) {
    const code =
      name[1] === "x" || name[1] === "X"
        ? Number.parseInt(name.slice(2), 16)
        : Number(name.slice(1));
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  }
  return ENTITIES[name.toLowerCase()] ?? whole;
}
