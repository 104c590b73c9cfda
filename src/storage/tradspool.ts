import { posix } from "node:path";

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
