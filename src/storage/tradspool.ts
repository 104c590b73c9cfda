import { stat } from "node:fs/promises";
import { posix } from "node:path";
import type { Found, StorageContext, StorageMethod, StoredRef } from "./method.js";
import { decodeTradspool, parseToken, TOKEN_TYPE } from "./token.js";

/** Where a tradspool article lives: `<spool>/<group with dots as slashes>/<number>`. */
export interface SpoolLocation {
  group: string;
  number: number;
}

/**
 * Pure: an absolute path → its group and article number, or null when it is not an article file of
 * this spool (outside it, not a number, or the spool's own top level). `spool` must be a real path.
 */
export function locateArticle(path: string, spool: string): SpoolLocation | null {
  // Normalising is for the odd path ("//", "/./", "/../"); every trace event comes through here.
  const p = path.includes("//") || path.includes("/.") ? posix.normalize(path) : path;
  const root = rootOf(spool);
  if (!p.startsWith(`${root}/`)) return null;
  const parts = p.slice(root.length + 1).split("/");
  const leaf = parts.pop();
  if (leaf === undefined || !/^[0-9]{1,19}$/.test(leaf) || parts.length === 0) return null;
  if (parts.some((d) => d === "" || d === "." || d === ".." || d.includes("."))) return null;
  const number = Number(leaf);
  if (!Number.isSafeInteger(number) || number < 1) return null;
  return { group: parts.join("."), number };
}

let lastSpool = "";
let lastRoot = "";

/** The spool normalised without a trailing slash (remembered: it is the same spool every time). */
function rootOf(spool: string): string {
  if (spool !== lastSpool) {
    lastRoot = posix.normalize(spool).replace(/\/+$/, "");
    lastSpool = spool;
  }
  return lastRoot;
}

/** Pure: group name → its directory under the spool (tradspool layout). */
export function groupDir(spool: string, group: string): string {
  return posix.join(spool, ...group.split("."));
}

/**
 * INN's tradspool: one file per article at `<spool>/<group with dots as slashes>/<number>`; a
 * crosspost is one file plus hard links in its other groups' directories.
 */
export const tradspool: StorageMethod<"tradspool"> = {
  name: "tradspool",
  tokenType: TOKEN_TYPE.tradspool,
  filePerArticle: true,
  fromPath(path: string, ctx: StorageContext): StoredRef | null {
    const loc = locateArticle(path, ctx.spool);
    return loc ? { method: "tradspool", path, token: null, ...loc } : null;
  },
  async fromToken(text: string, ctx: StorageContext): Promise<StoredRef> {
    const token = parseToken(text);
    if (!token.ok) throw new Error(token.reason);
    const t = decodeTradspool(token.value);
    if (!t.ok) throw new Error(t.reason);
    const group = await ctx.tradspoolGroups?.group(t.value.groupNumber);
    if (!group) {
      throw new Error(
        `tradspool token ${text}: group number ${t.value.groupNumber} is not in tradspool.map`,
      );
    }
    const path = `${groupDir(ctx.spool, group)}/${t.value.article}`;
    return { method: "tradspool", path, token: text, group, number: t.value.article };
  },
  async byNumber(group: string, numbers: readonly number[], ctx: StorageContext): Promise<Found[]> {
    const dir = groupDir(ctx.spool, group);
    const found: Found[] = [];
    for (const number of numbers) {
      const path = `${dir}/${number}`;
      try {
        const st = await stat(path);
        found.push({
          ref: { method: "tradspool", path, token: null, group, number },
          arrivedMs: st.mtimeMs,
        });
      } catch {
        // No such file: cancelled, expired, rejected, or a number innd skipped.
      }
    }
    return found;
  },
};
