import { posix } from "node:path";
import type { TradspoolGroups } from "../inn/tradspool-map.js";
import type { StorageContext, StoredRef } from "./method.js";
import {
  decodeCnfs,
  decodeTimecaf,
  decodeTimehash,
  decodeTradspool,
  methodOfType,
  parseToken,
  type Result,
  timehashPathToken,
  unreadableType,
} from "./token.js";

/**
 * A token (from the uprobe source) → where its article is: the file for tradspool and timehash,
 * none for timecaf and CNFS (read them through INN's sm: storage/sm.ts). Group and number are known
 * only for tradspool; the others take them from the article's Xref. For the registry's `fromToken`.
 */
export async function refFromToken(
  text: string,
  ctx: StorageContext,
  tradspool: TradspoolGroups,
): Promise<Result<StoredRef>> {
  const parsed = parseToken(text);
  if (!parsed.ok) return parsed;
  const t = parsed.value;
  const method = methodOfType(t.type);
  const none = { token: t.text, group: null, number: null };
  switch (method) {
    case "tradspool": {
      const d = decodeTradspool(t);
      if (!d.ok) return d;
      const group = await tradspool.group(d.value.groupNumber);
      if (group === null) {
        return {
          ok: false,
          reason: `tradspool token ${t.text}: group number ${d.value.groupNumber} is not in tradspool.map`,
        };
      }
      const path = posix.join(ctx.spool, ...group.split("."), String(d.value.article));
      return {
        ok: true,
        value: { method, path, token: t.text, group, number: d.value.article },
      };
    }
    case "timehash": {
      const d = decodeTimehash(t);
      if (!d.ok) return d;
      return { ok: true, value: { method, path: posix.join(ctx.spool, d.value.path), ...none } };
    }
    case "timecaf": {
      const d = decodeTimecaf(t);
      return d.ok ? { ok: true, value: { method, path: null, ...none } } : d;
    }
    case "cnfs": {
      const d = decodeCnfs(t);
      return d.ok ? { ok: true, value: { method, path: null, ...none } } : d;
    }
    default:
      return { ok: false, reason: `token ${t.text} is ${unreadableType(t.type)}` };
  }
}

/**
 * A created file's path → a timehash article (for the file-creation sources, whose events are
 * paths): `<spool>/time-CC/bb/cc/SSSS-aadd`, with its token. Null when not a timehash file.
 */
export function timehashRefFromPath(path: string, ctx: StorageContext): StoredRef | null {
  const root = `${posix.normalize(ctx.spool).replace(/\/+$/, "")}/`;
  const p = posix.normalize(path);
  if (!p.startsWith(root)) return null;
  const t = timehashPathToken(p.slice(root.length));
  if (!t.ok) return null;
  return { method: "timehash", path: p, token: t.value.text, group: null, number: null };
}
