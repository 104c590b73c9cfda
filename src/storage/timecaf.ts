import type { StorageMethod, StoredRef } from "./method.js";
import { decodeTimecaf, parseToken, TOKEN_TYPE } from "./token.js";

/**
 * INN's timecaf: many articles per CAF file (`<spool>/timecaf-CC/bb/aacc.CF`), so innd creates no file
 * per article and only a source that sees stores (the uprobe) notices its articles. They are read
 * through INN's own reader (the token), group and number from the Xref.
 */
export const timecaf: StorageMethod<"timecaf"> = {
  name: "timecaf",
  tokenType: TOKEN_TYPE.timecaf,
  filePerArticle: false,
  fromToken(text: string): StoredRef {
    const token = parseToken(text);
    if (!token.ok) throw new Error(token.reason);
    const decoded = decodeTimecaf(token.value);
    if (!decoded.ok) throw new Error(decoded.reason);
    return { method: "timecaf", path: null, token: text, group: null, number: null };
  },
};
