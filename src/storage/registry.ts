/**
 * INN's storage methods newsnotify can read. Adding one: a file that exports a `StorageMethod`
 * (how a created path or a token becomes a stored article) and one line here.
 */

import { cnfs } from "./cnfs.js";
import type { ArticleRef } from "./gaps.js";
import type {
  Found,
  StorageContext,
  StorageMethod,
  StorageMethodName,
  StoredRef,
} from "./method.js";
import { findThroughOverview } from "./overview.js";
import { timecaf } from "./timecaf.js";
import { timehash } from "./timehash.js";
import { methodOfType, parseToken, unreadableType } from "./token.js";
import { tradspool } from "./tradspool.js";

export const STORAGE_METHODS: readonly StorageMethod[] = [tradspool, timehash, timecaf, cnfs];

export function storageMethodNamed(name: string): StorageMethod | undefined {
  return STORAGE_METHODS.find((m) => m.name === name);
}

/** Names of the methods with one file per article (what file-creation sources can see). */
export function fileMethods(): StorageMethodName[] {
  return STORAGE_METHODS.filter((m) => m.filePerArticle).map((m) => m.name);
}

/** A created file → the stored article it is, or null when it is none of ours (history, overview, ...). */
export function storedAtPath(path: string, ctx: StorageContext): StoredRef | null {
  for (const m of STORAGE_METHODS) {
    const ref = m.fromPath?.(path, ctx);
    if (ref) return ref;
  }
  return null;
}

/** A token (as a source saw innd store it) → the stored article; throws with the reason it is none. */
export async function storedByToken(text: string, ctx: StorageContext): Promise<StoredRef> {
  const token = parseToken(text);
  if (!token.ok) throw new Error(token.reason);
  const name = methodOfType(token.value.type);
  const method = name ? storageMethodNamed(name) : undefined;
  if (!method?.fromToken) throw new Error(`token ${text} is ${unreadableType(token.value.type)}`);
  return method.fromToken(text, ctx);
}

/**
 * For catch-up: the stored articles among `refs`. Groups that storage.conf sends to tradspool only
 * are looked up as files (group directory + number); the others through the local server's
 * overview and innd's history (every method).
 */
export async function findStored(
  refs: readonly ArticleRef[],
  ctx: StorageContext,
): Promise<Found[]> {
  const byGroup = new Map<string, number[]>();
  for (const r of refs) {
    const list = byGroup.get(r.group);
    if (list) list.push(r.number);
    else byGroup.set(r.group, [r.number]);
  }
  const found: Found[] = [];
  for (const [group, numbers] of byGroup) {
    if (ctx.filesByNumber?.(group) ?? true) {
      found.push(...((await tradspool.byNumber?.(group, numbers, ctx)) ?? []));
    } else {
      if (!ctx.overview) throw new Error(`no way to look up ${group}'s articles by number`);
      found.push(
        ...(await findThroughOverview(group, numbers, ctx.overview, (t) => storedByToken(t, ctx))),
      );
    }
  }
  return found;
}
