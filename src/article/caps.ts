/**
 * Bounds on what one header field may put into an Article. Anyone can post, and a field is
 * journaled once per notifier and held in memory while its deliveries are pending: a 900 KB
 * Subject or References must not be. A field cut here is named in Article.truncatedFields.
 */

import { parseMailbox } from "./address.js";
import type { Mailbox } from "./article.js";
import { decodeWords } from "./rfc2047.js";

/** Characters of a decoded text field (Subject, Organization, User-Agent, Control, From's name). */
export const MAX_TEXT_CHARS = 1000;
/** A From longer than this (as written) is not given to the address parser. */
export const MAX_FROM_CHARS = 2000;
/** An address longer than RFC 5321's 254 octets, with room for a sloppy one, is cut. */
export const MAX_ADDRESS_CHARS = 320;
/** References kept: the first (the thread's root) and the last ones (the nearest ancestors). */
export const MAX_REFERENCES = 100;
/** Newsgroups and Xref entries kept, in order. */
export const MAX_GROUPS = 500;

/**
 * Encoded words take up to about 20 written characters per decoded one ("=?utf-8?Q?=C3=A9?= " is "é"); a
 * value this long as written is decoded only this far, which still fills MAX_TEXT_CHARS.
 */
const MAX_WRITTEN = 32 * MAX_TEXT_CHARS;

/** Notes which fields were cut, in the order they were. */
export class Caps {
  readonly fields: string[] = [];

  /** An unstructured field decoded (RFC 2047), at most MAX_TEXT_CHARS. */
  text(name: string, value: string): string {
    const written = this.#cut(name, value, MAX_WRITTEN);
    return this.#cut(name, decodeWords(written), MAX_TEXT_CHARS);
  }

  /** A list of at most `max` entries: the first ones, or with `keepRoot`, the first and the last max-1. */
  list<T>(name: string, items: T[], max: number, keepRoot = false): T[] {
    if (items.length <= max) return items;
    this.#mark(name);
    return keepRoot
      ? [items[0] as T, ...items.slice(items.length - (max - 1))]
      : items.slice(0, max);
  }

  /**
   * The first mailbox of a From field. One too long for the address parser (whose work grows with
   * nesting) is read plainly: the last <address> in it, and the text before that as the name.
   */
  from(value: string): Mailbox {
    if (value.length <= MAX_FROM_CHARS) {
      const mailbox = parseMailbox(value);
      return {
        name: this.#cut("from", mailbox.name, MAX_TEXT_CHARS),
        address: this.#cut("from", mailbox.address, MAX_ADDRESS_CHARS),
      };
    }
    this.#mark("from");
    const lt = value.lastIndexOf("<");
    const gt = lt < 0 ? -1 : value.indexOf(">", lt);
    const address = gt > lt ? value.slice(lt + 1, gt).trim() : "";
    const name = this.text("from", value.slice(0, gt > lt ? lt : value.length)).trim();
    return {
      name: name.replace(/^"(.*)"$/s, "$1"),
      address: address.length <= MAX_ADDRESS_CHARS && !/[\s<>]/.test(address) ? address : "",
    };
  }

  #cut(name: string, value: string, max: number): string {
    if (value.length <= max) return value;
    this.#mark(name);
    // Never half a surrogate pair.
    const end = isHighSurrogate(value.charCodeAt(max - 1)) ? max - 1 : max;
    return value.slice(0, end);
  }

  #mark(name: string): void {
    if (!this.fields.includes(name)) this.fields.push(name);
  }
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
