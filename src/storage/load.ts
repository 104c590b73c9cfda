import type { Article } from "../article/article.js";
import {
  ArticleParseError,
  type ParseOptions,
  parseArticle,
  parseHeadersOnly,
} from "../article/parse.js";
import type { StoredRef } from "./method.js";
import type { ParseThread } from "./parse-thread.js";
import { type ReadOptions, readWhenComplete, type StoredArticle } from "./read.js";

export interface LoadOptions {
  spool: string;
  /** Reads token-only articles (timecaf, CNFS). */
  tokenReader?: { article(token: string): Promise<Buffer> };
  read: ReadOptions;
  snippetChars: number;
}

/**
 * Reads a stored article (waiting until innd has written it whole, inside the spool only).
 * Throws with the reason when it cannot be read.
 */
export async function readStored(ref: StoredRef, o: LoadOptions): Promise<StoredArticle> {
  // A token means innd stored the article before anyone saw it (see ReadOptions.stored).
  if (ref.path !== null)
    return readWhenComplete(
      ref.path,
      o.spool,
      ref.token !== null ? { ...o.read, stored: true } : o.read,
    );
  if (ref.token === null || !o.tokenReader) {
    throw new Error(`a ${ref.method ?? "stored"} article with neither a file nor a token to read`);
  }
  // Stored before the probe fired (InndHisWrite comes after the store): complete at once.
  const raw = await o.tokenReader.article(ref.token);
  const truncated = raw.length > o.read.maxBytes;
  return {
    raw: truncated ? raw.subarray(0, o.read.maxBytes) : raw,
    bytes: raw.length,
    truncated,
    complete: true,
    waitedMs: 0,
  };
}

type Stored = Pick<StoredArticle, "raw" | "bytes" | "truncated">;

/**
 * Pure: the bytes of a stored article → the Article. Group and number come from where it is stored
 * when that says them (tradspool), else from the article's first Xref entry (where innd filed it).
 * Throws when the bytes are not an article.
 */
export function parseStored(ref: StoredRef, stored: Stored, snippetChars: number): Article {
  return located(ref, parseArticle(stored.raw, parseOptions(ref, stored, snippetChars)));
}

/**
 * parseStored in the parse thread, within its budget. An article over the budget is still an
 * article: it comes back from its header alone, with `overBudget` saying why, for a warning.
 * Throws (ArticleParseError) when the bytes are not an article.
 */
export async function parseStoredInThread(
  ref: StoredRef,
  stored: Stored,
  snippetChars: number,
  thread: ParseThread,
): Promise<{ article: Article; overBudget?: string }> {
  const opts = parseOptions(ref, stored, snippetChars);
  const outcome = await thread.parse(stored.raw, opts);
  switch (outcome.kind) {
    case "parsed":
      return { article: located(ref, outcome.article) };
    case "unparsable":
      throw new ArticleParseError(outcome.reason);
    case "over-budget":
      return {
        article: located(ref, parseHeadersOnly(stored.raw, opts)),
        overBudget: outcome.reason,
      };
  }
}

function parseOptions(ref: StoredRef, stored: Stored, snippetChars: number): ParseOptions {
  return {
    path: ref.path,
    token: ref.token,
    group: ref.group ?? "",
    number: ref.number ?? 0,
    snippetChars,
    truncated: stored.truncated,
    bytes: stored.bytes,
  };
}

function located(ref: StoredRef, article: Article): Article {
  if (ref.group === null && article.xref[0]) Object.assign(article, article.xref[0]);
  return article;
}
