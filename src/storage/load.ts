import type { Article } from "../article/article.js";
import { parseArticle } from "../article/parse.js";
import type { StoredRef } from "./method.js";
import { type ReadOptions, readWhenComplete, type StoredArticle } from "./read.js";

export interface LoadOptions {
  spool: string;
  read: ReadOptions;
  snippetChars: number;
}

/**
 * Reads a stored article (waiting until innd has written it whole, inside the spool only).
 * Throws with the reason when it cannot be read.
 */
export async function readStored(ref: StoredRef, o: LoadOptions): Promise<StoredArticle> {
  if (ref.path === null) {
    throw new Error(`${ref.method} articles (${ref.token ?? "no token"}) cannot be read yet`);
  }
  return readWhenComplete(ref.path, o.spool, o.read);
}

/**
 * Pure: the bytes of a stored article → the Article. Group and number come from where it is stored
 * when that says them (tradspool), else from the article's first Xref entry (where innd filed it).
 * Throws when the bytes are not an article.
 */
export function parseStored(
  ref: StoredRef,
  stored: Pick<StoredArticle, "raw" | "bytes" | "truncated">,
  snippetChars: number,
): Article {
  const article = parseArticle(stored.raw, {
    path: ref.path,
    token: ref.token,
    group: ref.group ?? "",
    number: ref.number ?? 0,
    snippetChars,
    truncated: stored.truncated,
    bytes: stored.bytes,
  });
  if (ref.group === null && article.xref[0]) Object.assign(article, article.xref[0]);
  return article;
}
