import type { StorageContext, StorageMethod, StoredRef } from "./method.js";
import { decodeTimehash, parseToken, TOKEN_TYPE, timehashPathToken } from "./token.js";

/**
 * INN's timehash: one file per article at `<spool>/time-CC/bb/cc/SSSS-aadd`, named by arrival time
 * and a sequence number, not by group: group and number come from the article's Xref.
 */
export const timehash: StorageMethod<"timehash"> = {
  name: "timehash",
  tokenType: TOKEN_TYPE.timehash,
  filePerArticle: true,
  fromPath(path: string, ctx: StorageContext): StoredRef | null {
    if (!path.startsWith(`${ctx.spool}/time-`)) return null;
    const token = timehashPathToken(path.slice(ctx.spool.length + 1));
    if (!token.ok) return null;
    return { method: "timehash", path, token: token.value.text, group: null, number: null };
  },
  fromToken(text: string, ctx: StorageContext): StoredRef {
    const token = parseToken(text);
    if (!token.ok) throw new Error(token.reason);
    const th = decodeTimehash(token.value);
    if (!th.ok) throw new Error(th.reason);
    return {
      method: "timehash",
      path: `${ctx.spool}/${th.value.path}`,
      token: text,
      group: null,
      number: null,
    };
  },
};
