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

/** Which method stores a group's articles (storage.conf's classes); tradspool when nothing says. */
export type MethodOfGroup = (group: string) => StorageMethod;

const everyGroupTradspool: MethodOfGroup = () => tradspool;

/** For catch-up: the stored articles among `refs`, each looked up through its group's method. */
export async function findStored(
  refs: readonly ArticleRef[],
  ctx: StorageContext,
  methodOf: MethodOfGroup = everyGroupTradspool,
): Promise<Found[]> {
  const byGroup = new Map<string, number[]>();
  for (const r of refs) {
    const list = byGroup.get(r.group);
    if (list) list.push(r.number);
    else byGroup.set(r.group, [r.number]);
  }
  const found: Found[] = [];
  for (const [group, numbers] of byGroup) {
    const m = methodOf(group);
    if (!m.byNumber) throw new Error(`${m.name} cannot look articles up by number`);
    found.push(...(await m.byNumber(group, numbers, ctx)));
  }
  return found;
}
