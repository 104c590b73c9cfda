import type { StorageMethod, StoredRef } from "./method.js";
import { decodeCnfs, parseToken, TOKEN_TYPE } from "./token.js";

/**
 * INN's CNFS: articles written into preallocated cyclic buffers, no file per article, so only a
 * source that sees stores (the uprobe) notices them. They are read through INN's own reader (the
 * token), group and number from the Xref.
 */
export const cnfs: StorageMethod<"cnfs"> = {
  name: "cnfs",
  tokenType: TOKEN_TYPE.cnfs,
  filePerArticle: false,
  fromToken(text: string): StoredRef {
    const token = parseToken(text);
    if (!token.ok) throw new Error(token.reason);
    const decoded = decodeCnfs(token.value);
    if (!decoded.ok) throw new Error(decoded.reason);
    return { method: "cnfs", path: null, token: text, group: null, number: null };
  },
};
