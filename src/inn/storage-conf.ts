import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { INN_STORAGE_METHODS, type InnStorageMethod } from "./storage-methods.js";

/**
 * INN's storage.conf (storage/interface.c: SMreadconfig, lib/conffile.c: CONFgetword): an ordered
 * list of `method NAME { key: value ... }` entries; innd stores an article with the first entry it
 * matches (SMgetsub). Pure except `readStorageConf`.
 */

const METHOD_NAMES = Object.keys(INN_STORAGE_METHODS) as InnStorageMethod[];

export interface StorageClass {
  method: InnStorageMethod;
  /** The uwildmat (`newsgroups:`), matched per group with poison (`@`) semantics. */
  newsgroups: string;
  class: number;
  /** Bytes; max 0 = no upper bound. */
  size: { min: number; max: number };
  /** Seconds as INN parses them (ParseTime); 0 = no bound. */
  expires: { min: number; max: number };
  options: string | null;
  exactmatch: boolean;
  /** Line of the `method` keyword, for messages. */
  line: number;
}

export type StorageConf =
  | { ok: true; classes: StorageClass[] }
  /** innd refuses to start on any of these: the first problem, as INN reports it, with its line. */
  | { ok: false; problem: string };

interface Word {
  text: string;
  line: number;
}

/** lib/conffile.c's words: blank-separated, `#` starts a comment (not after `\`), "…" quotes. */
export function storageConfWords(text: string): Word[] | string {
  const words: Word[] = [];
  const lines = text.split("\n");
  for (let n = 0; n < lines.length; n++) {
    let rest = lines[n] as string;
    for (;;) {
      rest = rest.replace(/^[ \t]+/, "");
      if (rest === "" || rest.startsWith("#")) break;
      if (rest.startsWith('"')) {
        // A quoted value may run over lines; `\"` does not close it (and stays as written, as in INN).
        let value = rest.slice(1);
        const start = n;
        let close = closingQuote(value);
        while (close === -1 && n + 1 < lines.length) {
          value += `\n${lines[++n]}`;
          close = closingQuote(value);
        }
        if (close === -1) return `line ${start + 1}: unterminated quoted value`;
        words.push({ text: value.slice(0, close), line: start + 1 });
        rest =
          value
            .slice(close + 1)
            .split("\n")
            .pop() ?? "";
        continue;
      }
      let end = 0;
      let comment = false;
      while (end < rest.length && rest[end] !== " " && rest[end] !== "\t") {
        if (rest[end] === "#" && (end === 0 || rest[end - 1] !== "\\")) {
          comment = true;
          break;
        }
        end++;
      }
      words.push({ text: rest.slice(0, end), line: n + 1 });
      if (comment) break;
      rest = rest.slice(end);
    }
  }
  return words;
}

function closingQuote(s: string): number {
  for (let i = 0; i < s.length; i++) if (s[i] === '"' && s[i - 1] !== "\\") return i;
  return -1;
}

const KEYS = ["newsgroups:", "size:", "class:", "expires:", "options:", "exactmatch:"] as const;

/** Pure: storage.conf's text → its classes in order, or the problem innd would refuse it for. */
export function parseStorageConf(text: string): StorageConf {
  const words = storageConfWords(text);
  if (typeof words === "string") return { ok: false, problem: words };
  const classes: StorageClass[] = [];
  let i = 0;
  const fail = (w: Word | undefined, what: string): StorageConf => ({
    ok: false,
    problem: `line ${w?.line ?? "end"}: ${what}`,
  });
  while (i < words.length) {
    const kw = words[i++] as Word;
    if (kw.text !== "method")
      return fail(kw, `expected 'method', found ${JSON.stringify(kw.text)}`);
    const name = words[i++];
    if (!name) return fail(kw, "expected a method name");
    if (words[i]?.text !== "{") return fail(words[i] ?? name, "expected '{'");
    i++;
    const entry: Omit<StorageClass, "method" | "newsgroups"> & { newsgroups: string | null } = {
      newsgroups: null,
      class: 0,
      size: { min: 0, max: 0 },
      expires: { min: 0, max: 0 },
      options: null,
      exactmatch: false,
      line: kw.line,
    };
    for (;;) {
      const key = words[i++];
      if (!key) return fail(key, `method ${name.text} (line ${kw.line}) has no closing '}'`);
      if (key.text === "}") break;
      if (!(KEYS as readonly string[]).includes(key.text)) {
        return fail(key, `unknown keyword ${JSON.stringify(key.text)} in method ${name.text}`);
      }
      const value = words[i++];
      if (!value) return fail(key, `${key.text} has no value`);
      const v = value.text;
      switch (key.text) {
        case "newsgroups:":
          entry.newsgroups = v;
          break;
        case "size:": {
          const [min, max] = v.split(",");
          entry.size = { min: strtoul(min), max: max === undefined ? 0 : strtoul(max) };
          break;
        }
        case "class:":
          entry.class = atoi(v);
          if (entry.class > 256) return fail(value, `storage class ${entry.class} is over 256`);
          break;
        case "expires:": {
          const [min, max] = v.split(",");
          entry.expires = {
            min: parseTime(min ?? ""),
            max: max === undefined ? 0 : parseTime(max),
          };
          break;
        }
        case "options:":
          entry.options = v;
          break;
        case "exactmatch:":
          entry.exactmatch = /^(true|yes|on)$/i.test(v);
          break;
      }
    }
    const method = METHOD_NAMES.find((m) => m === name.text.toLowerCase());
    if (!method) return fail(name, `no storage method is named ${JSON.stringify(name.text)}`);
    if (entry.newsgroups === null) {
      return fail(kw, `method ${name.text} has no newsgroups: pattern`);
    }
    classes.push({ ...entry, method, newsgroups: entry.newsgroups });
  }
  return { ok: true, classes };
}

/** C's strtoul/atoi on a prefix: leading digits, else 0. */
function strtoul(s: string | undefined): number {
  const m = /^\s*\+?(\d+)/.exec(s ?? "");
  return m ? Number(m[1]) : 0;
}

function atoi(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m ? Number(m[1]) : 0;
}

/** interface.c: ParseTime: `1M2d3h4m5s` (M = 31 days); any other letter makes the whole value 0. */
export function parseTime(s: string): number {
  const unit: Record<string, number> = { M: 31 * 86400, d: 86400, h: 3600, m: 60, s: 1 };
  let total = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c >= "0" && c <= "9") continue;
    const u = unit[c];
    if (u === undefined) return 0;
    total += atoi(s.slice(start, i)) * u;
    start = i + 1;
  }
  return total;
}

export type WildmatResult = "match" | "fail" | "poison";
/** uwildmat_poison(text, pattern): the caller's wildmat (notify/wildmat.ts has INN's). */
export type WildmatPoison = (text: string, pattern: string) => WildmatResult;

/** What innd knows of an article when it picks a class (innd/art.c: ARTstore). */
export interface ArticleForStorage {
  /**
   * With storeonxref (inn.conf, true by default): the groups the article is filed in, as its Xref
   * lists them (`group:number` accepted); otherwise the Newsgroups header's groups.
   */
  groups: string[];
  /** Stored size in bytes (wire format, with innd's Path and Xref). */
  size: number;
  /**
   * The Expires header as a Unix time, 0 when absent. innd compares this absolute time with
   * expires:'s durations (art.c passes data->Expires unchanged), whatever storage.conf(5) says.
   */
  expires: number;
}

/** interface.c: MatchGroups: any group matches, none poisoned; with exactmatch, every group matches. */
export function matchGroups(
  groups: readonly string[],
  pattern: string,
  exactmatch: boolean,
  wildmat: WildmatPoison,
): boolean {
  let wanted = false;
  for (const raw of groups.flatMap((g) => g.split(/[\s,]+/))) {
    if (raw === "") continue;
    const group = raw.split(":")[0] as string;
    const r = wildmat(group, pattern);
    if (r === "poison" || (exactmatch && r !== "match")) return false;
    if (r === "match") wanted = true;
  }
  return wanted;
}

/** interface.c: SMgetsub: the first class whose size, expires and newsgroups all match; else null. */
export function storingClass(
  classes: readonly StorageClass[],
  article: ArticleForStorage,
  wildmat: WildmatPoison,
): StorageClass | null {
  for (const c of classes) {
    if (article.size < c.size.min || (c.size.max !== 0 && article.size > c.size.max)) continue;
    if (c.expires.min !== 0 && article.expires < c.expires.min) continue;
    if (c.expires.max !== 0 && article.expires > c.expires.max) continue;
    if (matchGroups(article.groups, c.newsgroups, c.exactmatch, wildmat)) return c;
  }
  return null;
}

/** Reads and parses `<pathetc>/storage.conf`; a read error is returned as the problem. */
export async function readStorageConf(etc: string): Promise<StorageConf> {
  const path = join(etc, "storage.conf");
  try {
    return parseStorageConf(await readFile(path, "utf8"));
  } catch (e) {
    return { ok: false, problem: `cannot read ${path}: ${(e as Error).message}` };
  }
}
