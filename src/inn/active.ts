/** One group of innd's active file: `name high low flag`. */
export interface ActiveGroup {
  name: string;
  high: number;
  low: number;
  flag: string;
}

/** Pure: active file text → groups. Malformed lines are skipped (innd never writes them). */
export function parseActive(text: string): ActiveGroup[] {
  const groups: ActiveGroup[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || !f[0]) continue;
    groups.push({ name: f[0], high: Number(f[1]), low: Number(f[2]), flag: f[3] ?? "" });
  }
  return groups;
}

/** Directory levels of the deepest group (a.b.c → 3); 1 when there are none. */
export function deepestGroup(groups: readonly ActiveGroup[]): number {
  return groups.reduce((max, g) => Math.max(max, g.name.split(".").length), 1);
}

/**
 * Pure: recovers the article path from a walk that ran out of depth. The walk gave the innermost
 * segments (`…/h/i/12`); if exactly one active group's directory ends with them, that is the file.
 */
export function resolveShortfall(
  spool: string,
  tail: readonly string[],
  groups: readonly ActiveGroup[],
): string | null {
  const leaf = tail[tail.length - 1];
  if (leaf === undefined || !/^[0-9]+$/.test(leaf)) return null;
  const dirs = tail.slice(0, -1);
  const root = spool.split("/").filter(Boolean);
  const matches = groups.filter((g) => {
    const full = [...root, ...g.name.split(".")];
    if (full.length < dirs.length) return false;
    return dirs.every((d, i) => full[full.length - dirs.length + i] === d);
  });
  if (matches.length !== 1 || !matches[0]) return null;
  return `/${[...root, ...matches[0].name.split("."), leaf].join("/")}`;
}
