import type { Article } from "../article/article.js";
import {
  ArticleParseError,
  headerEnd,
  type ParseOptions,
  parseArticle,
  parseHeadersOnly,
  parseHeadForRoute,
  type RouteReads,
} from "../article/parse.js";
import type { StoredRef } from "./method.js";
import type { ParseThread } from "./parse-thread.js";
import {
  type HeadRead,
  type ReadOptions,
  readHeadWhenWritten,
  readWhenComplete,
  type StoredArticle,
} from "./read.js";

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

/**
 * The first read of an article's file for routing: the header block of nearly every article (most
 * are under 2 KiB), and the whole of the shortest posts.
 */
export const HEAD_BYTES = 4 * 1024;
/** The most read of a header block for routing: one that runs on is routed by what these bytes say. */
export const HEADER_BOUND = 64 * 1024;

/**
 * Reads what routing needs: an article's header block, at most HEADER_BOUND bytes of it. First one
 * read of HEAD_BYTES, enough once the header has ended in it; else (a longer header, or one innd
 * is still writing) up to the bound, waiting for the file to be complete as readStored does. An
 * article with no file of its own comes whole: INN's sm reads it whole anyway, and a second run
 * would read it twice.
 */
export async function readHead(ref: StoredRef, o: LoadOptions): Promise<HeadRead> {
  if (ref.path === null) {
    const stored = await readStored(ref, o);
    return { stored, ended: headerEnd(stored.raw) >= 0 };
  }
  const first = await readHeadWhenWritten(ref.path, o.spool, o.read, HEAD_BYTES);
  if (first) return first;
  const stored = await readStored(ref, {
    ...o,
    read: { ...o.read, maxBytes: Math.min(HEADER_BOUND, o.read.maxBytes) },
  });
  return { stored, ended: headerEnd(stored.raw) >= 0 };
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

/**
 * Pure: the Article from the header block alone, as routing reads it (parseHeadForRoute: snippet
 * empty, From and Subject only when `reads` says a route filters on them), located as parseStored
 * locates it: what routing before reading the body needs. Not for delivery. Throws as parseStored does.
 */
export function parseStoredHeader(
  ref: StoredRef,
  stored: Stored,
  snippetChars: number,
  reads: RouteReads,
): Article {
  return located(
    ref,
    parseHeadForRoute(stored.raw, parseOptions(ref, stored, snippetChars), reads),
  );
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
