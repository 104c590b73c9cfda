// @ts-check
import { nowMs, sleep } from "../clock.mjs";

/**
 * What a contender reported, and when: key (a Message-ID or a spool path) → receipt times (ms,
 * nowMs clock). More than one time for a key is a duplicated notification.
 */
export class Receipts {
  /** @type {Map<string, number[]>} */
  byKey = new Map();
  count = 0;

  /** @param {string} key @param {number} [at] */
  add(key, at = nowMs()) {
    const times = this.byKey.get(key);
    if (times) times.push(at);
    else this.byKey.set(key, [at]);
    this.count++;
  }
}

/**
 * Resolves when every contender has `target` more receipts than at `base`, or none came for quietMs.
 * `count` says which receipts count (the busy feed: those of wanted articles); default all.
 */
export async function drained(
  /** @type {any[]} */ contenders,
  /** @type {number[]} */ base,
  /** @type {number} */ target,
  quietMs = 10_000,
  count = (/** @type {any} */ c) => /** @type {number} */ (c.receipts.count),
) {
  let last = -1;
  let since = nowMs();
  for (;;) {
    const counts = contenders.map((c, i) => count(c) - (base[i] ?? 0));
    if (counts.every((n) => n >= target)) return;
    const total = counts.reduce((x, y) => x + y, 0);
    if (total !== last) [last, since] = [total, nowMs()];
    if (nowMs() - since > quietMs) return;
    await sleep(20);
  }
}

/**
 * How many receipts `receipts` holds for the given keys (duplicates included).
 * @param {Receipts} receipts @param {Iterable<string>} keys
 */
export function receiptsOf(receipts, keys) {
  let n = 0;
  for (const k of keys) n += receipts.byKey.get(k)?.length ?? 0;
  return n;
}

/**
 * Pure: chunks of text → whole lines, each with the stamp of the chunk that completed it.
 * @param {(line: string, at: number) => void} onLine
 */
export function lineSplitter(onLine) {
  let buf = "";
  return (/** @type {string} */ text, /** @type {number} */ at) => {
    buf += text;
    for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
      onLine(buf.slice(0, nl), at);
      buf = buf.slice(nl + 1);
    }
  };
}
