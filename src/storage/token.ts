/**
 * INN's storage token (include/inn/storage.h): 1 byte storage type, 1 byte class, 16 bytes of
 * method data; text form `@` + 36 upper-case hex digits + `@` (storage/interface.c: IsToken,
 * TokenToText). Pure: text ⇄ bytes, and what each method's 16 bytes say (read from INN 2.7's
 * storage/<method>/<method>.c). Never throws: a bad token comes back with a reason.
 */
import { INN_STORAGE_METHODS } from "../inn/storage-methods.js";

/** INN's storage type numbers (storage/<method>/method.config), by method name. */
export const TOKEN_TYPE = INN_STORAGE_METHODS;

/** TOKEN_EMPTY: what innd has when nothing was stored (or `ctlinnd addhist` with no token). */
export const TOKEN_EMPTY = 255;

export interface Token {
  /** The text form, upper-case, as INN prints it. */
  text: string;
  type: number;
  class: number;
  /** The method's 16 bytes. */
  data: Uint8Array;
}

export type Result<T> = { ok: true; value: T } | { ok: false; reason: string };

const TEXT = /^@[0-9A-F]{36}@$/;

/** `@…@` → its type, class and data; INN's own rule: exactly 36 upper-case hex digits. */
export function parseToken(text: string): Result<Token> {
  if (!TEXT.test(text)) {
    const why =
      text.length !== 38
        ? `is ${text.length} characters long, not 38`
        : !text.startsWith("@") || !text.endsWith("@")
          ? "does not start and end with @"
          : /[a-f]/.test(text)
            ? "has lower-case hex digits (INN writes upper case)"
            : "has characters other than hex digits between the @s";
    return { ok: false, reason: `not an INN token: ${printable(text)} ${why}` };
  }
  const bytes = Buffer.from(text.slice(1, 37), "hex");
  return {
    ok: true,
    value: { text, type: bytes[0] as number, class: bytes[1] as number, data: bytes.subarray(2) },
  };
}

/** 18 bytes (type, class, data) → the text form. */
export function tokenText(bytes: Uint8Array): string {
  if (bytes.length !== 18) throw new RangeError(`a token is 18 bytes, not ${bytes.length}`);
  return `@${Buffer.from(bytes).toString("hex").toUpperCase()}@`;
}

/** Why a token of this type has no article to read (trash, empty, unknown), for one log line. */
export function unreadableType(type: number): string {
  if (type === TOKEN_TYPE.trash) return "stored by the trash method (discarded, nothing to read)";
  if (type === TOKEN_EMPTY) return "empty (innd stored nothing)";
  const inn = Object.entries(INN_STORAGE_METHODS).find(([, t]) => t === type)?.[0];
  return inn
    ? `of INN's ${inn} method, which newsnotify cannot read`
    : `of storage type ${type}, which is none of INN's methods`;
}

function be32(d: Uint8Array, at: number): number {
  return (
    (((d[at] as number) << 24) |
      ((d[at + 1] as number) << 16) |
      ((d[at + 2] as number) << 8) |
      (d[at + 3] as number)) >>>
    0
  );
}

function be16(d: Uint8Array, at: number): number {
  return ((d[at] as number) << 8) | (d[at + 1] as number);
}

function hex2(n: number): string {
  return (n & 0xff).toString(16).padStart(2, "0");
}

/**
 * tradspool: the group's number in tradspool.map and the article's number, each written as an
 * `unsigned long` holding htonl() of the value (tradspool.c: MakeToken). So the layout depends on
 * the build: 32-bit `[group][article][0][0]`, 64-bit little-endian (x86-64, arm64)
 * `[group][0][article][0]`, 64-bit big-endian `[0][group][0][article]` (4-byte words, big-endian).
 * INN's own `sm -c` gets the 64-bit case wrong (it prints artnum=0); its TokenToPath gets it right.
 */
export interface TradspoolToken {
  groupNumber: number;
  article: number;
}

export function decodeTradspool(t: Token): Result<TradspoolToken> {
  if (t.type !== TOKEN_TYPE.tradspool) return wrongType(t, "tradspool");
  const [w0, w1, w2, w3] = [be32(t.data, 0), be32(t.data, 4), be32(t.data, 8), be32(t.data, 12)];
  let value: TradspoolToken | null = null;
  if (w0 !== 0 && w1 === 0 && w2 !== 0 && w3 === 0) value = { groupNumber: w0, article: w2 };
  else if (w0 === 0 && w1 !== 0 && w2 === 0 && w3 !== 0) value = { groupNumber: w1, article: w3 };
  else if (w0 !== 0 && w1 !== 0 && w2 === 0 && w3 === 0) value = { groupNumber: w0, article: w1 };
  if (!value) {
    return {
      ok: false,
      reason: `tradspool token ${t.text} is not a group number and an article number in any layout INN writes`,
    };
  }
  return { ok: true, value };
}

/** timehash: arrival time (32-bit) and a sequence number (16-bit); the file's path follows from them. */
export interface TimehashToken {
  arrived: number;
  seq: number;
  /** Relative to patharticles: `time-CC/bb/cc/SSSS-aadd` (timehash.c: MakePath). */
  path: string;
}

export function decodeTimehash(t: Token): Result<TimehashToken> {
  if (t.type !== TOKEN_TYPE.timehash) return wrongType(t, "timehash");
  const arrived = be32(t.data, 0);
  const seq = be16(t.data, 4);
  const path =
    `time-${hex2(t.class)}/${hex2(arrived >>> 16)}/${hex2(arrived >>> 8)}/` +
    `${seq.toString(16).padStart(4, "0")}-${hex2(arrived >>> 24)}${hex2(arrived)}`;
  return { ok: true, value: { arrived, seq, path } };
}

const TIMEHASH_PATH =
  /^time-([0-9a-f]{2})\/([0-9a-f]{2})\/([0-9a-f]{2})\/([0-9a-f]{4})-([0-9a-f]{4})$/;

/** A timehash file's path relative to patharticles → its token (timehash.c: PathToToken). */
export function timehashPathToken(relative: string): Result<Token> {
  const m = TIMEHASH_PATH.exec(relative);
  if (!m) return { ok: false, reason: `not a timehash article path: ${printable(relative)}` };
  const [cls, t1, t2, seq, t3] = m.slice(1).map((h) => Number.parseInt(h as string, 16)) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const arrived = ((t3 >> 8) << 24) | (t1 << 16) | (t2 << 8) | (t3 & 0xff);
  const bytes = new Uint8Array(18);
  bytes[0] = TOKEN_TYPE.timehash;
  bytes[1] = cls;
  new DataView(bytes.buffer).setUint32(2, arrived >>> 0);
  new DataView(bytes.buffer).setUint16(6, seq);
  const text = tokenText(bytes);
  return parseToken(text);
}

/** timecaf: arrival time >> 8 picks the CAF file; the sequence number is the article inside it. */
export interface TimecafToken {
  /** Arrival time shifted right by 8 bits (256-second slots). */
  slot: number;
  /** The article's number inside its CAF file. */
  article: number;
  /** Relative to patharticles: `timecaf-CC/bb/aacc.CF` (timecaf.c: MakePath). */
  path: string;
}

export function decodeTimecaf(t: Token): Result<TimecafToken> {
  if (t.type !== TOKEN_TYPE.timecaf) return wrongType(t, "timecaf");
  const slot = be32(t.data, 0);
  const article = be16(t.data, 4) + be16(t.data, 6) * 0x10000;
  if (article === 0) return { ok: false, reason: `timecaf token ${t.text} has article number 0` };
  const path = `timecaf-${hex2(t.class)}/${hex2(slot >>> 8)}/${hex2(slot >>> 16)}${hex2(slot)}.CF`;
  return { ok: true, value: { slot, article, path } };
}

/** CNFS: cyclic buffer name (8 bytes, NUL-padded), block (offset / block size), cycle number. */
export interface CnfsToken {
  cycbuff: string;
  block: number;
  cycle: number;
}

const CYCBUFF_NAME = /^[\x21-\x7e]{1,8}$/;

export function decodeCnfs(t: Token): Result<CnfsToken> {
  if (t.type !== TOKEN_TYPE.cnfs) return wrongType(t, "cnfs");
  const raw = t.data.subarray(0, 8);
  const nul = raw.indexOf(0);
  const name = Buffer.from(raw.subarray(0, nul === -1 ? 8 : nul)).toString("latin1");
  if (!CYCBUFF_NAME.test(name) || (nul !== -1 && raw.subarray(nul).some((b) => b !== 0))) {
    return { ok: false, reason: `CNFS token ${t.text} has no valid cycbuff name` };
  }
  return { ok: true, value: { cycbuff: name, block: be32(t.data, 8), cycle: be32(t.data, 12) } };
}

function wrongType(t: Token, want: string): { ok: false; reason: string } {
  return { ok: false, reason: `token ${t.text} is not a ${want} token (type ${t.type})` };
}

/** At most 60 characters, control bytes escaped: token text comes from outside. */
function printable(s: string): string {
  const cut = s.length > 60 ? `${s.slice(0, 60)}…` : s;
  return JSON.stringify(cut);
}
