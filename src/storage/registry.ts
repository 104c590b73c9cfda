/**
 * INN's storage methods newsnotify can read, keyed by name. Adding one: a file that exports a
 * `StorageMethod<"name">` (its token type, how a created path or a token becomes a stored article,
 * and optionally how catch-up finds (group, number)) and one line here. A source sees it once its
 * name is in that source's `sees` (typed by INN's names, inn/storage-methods.ts).
 */

import { INN_DEFAULT_STORAGE_METHOD } from "../inn/storage-methods.js";
import { cnfs } from "./cnfs.js";
import type { ArticleRef } from "./gaps.js";
import type { Found, StorageContext, StorageMethod, StoredRef } from "./method.js";
import { findThroughOverview } from "./overview.js";
import { timecaf } from "./timecaf.js";
import { timehash } from "./timehash.js";
import { parseToken, unreadableType } from "./token.js";
import { tradspool } from "./tradspool.js";

export const STORAGE_METHODS = keyedByName({
  tradspool,
  timehash,
  timecaf,
  cnfs,
});

/** The table as written; the compiler checks that each entry is the method its key names. */
function keyedByName<const T extends { readonly [K in keyof T]: StorageMethod<K & string> }>(
  table: T,
): T {
  return table;
}

/** The methods newsnotify reads: "tradspool" | "timehash" | ... */
export type StorageMethodName = keyof typeof STORAGE_METHODS;

const METHODS: readonly StorageMethod[] = Object.values(STORAGE_METHODS);

export function storageMethodNamed(name: string): StorageMethod | undefined {
  return METHODS.find((m) => m.name === name);
}

/** The method a token's type byte names, or undefined for one newsnotify cannot read. */
export function methodOfType(type: number): StorageMethod | undefined {
  return METHODS.find((m) => m.tokenType === type);
}

/** A created file → the stored article it is, or null when it is none of ours (history, overview, ...). */
export function storedAtPath(path: string, ctx: StorageContext): StoredRef | null {
  for (const m of METHODS) {
    const ref = m.fromPath?.(path, ctx);
    if (ref) return ref;
  }
  return null;
}

/** A token (as a source saw innd store it) → the stored article; throws with the reason it is none. */
export async function storedByToken(text: string, ctx: StorageContext): Promise<StoredRef> {
  const token = parseToken(text);
  if (!token.ok) throw new Error(token.reason);
  const method = methodOfType(token.value.type);
  if (!method?.fromToken) throw new Error(`token ${text} is ${unreadableType(token.value.type)}`);
  return method.fromToken(text, ctx);
}

/**
 * For catch-up: the stored articles among `refs`. A group that storage.conf sends to one method only
 * is looked up the way that method finds (group, number), when it has one; the others through the
 * local server's overview and innd's history (every method).
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
    const methods = ctx.methodsFor?.(group) ?? [INN_DEFAULT_STORAGE_METHOD];
    const only = methods.length === 1 ? storageMethodNamed(methods[0] as string) : undefined;
    if (only?.byNumber) {
      found.push(...(await only.byNumber(group, numbers, ctx)));
    } else {
      if (!ctx.overview) throw new Error(`no way to look up ${group}'s articles by number`);
      found.push(
        ...(await findThroughOverview(group, numbers, ctx.overview, (t) => storedByToken(t, ctx))),
      );
    }
  }
  return found;
}
