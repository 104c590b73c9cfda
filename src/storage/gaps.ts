import type { ActiveGroup } from "../inn/active.js";

export interface ArticleRef {
  group: string;
  number: number;
}

/**
 * Pure: the articles the active file says exist above each group's high-water mark that this run
 * has not seen. A group the marks do not know yet (created while we were stopped) counts from its
 * low-water mark. At most `limitPerGroup` numbers are looked at per group (the newest).
 */
export function findGaps(
  marks: ReadonlyMap<string, number>,
  active: readonly ActiveGroup[],
  seen: (group: string, number: number) => boolean,
  limitPerGroup = 100_000,
): ArticleRef[] {
  const gaps: ArticleRef[] = [];
  for (const g of active) {
    if (!Number.isSafeInteger(g.high) || !Number.isSafeInteger(g.low)) continue;
    const from = Math.max(marks.get(g.name) ?? g.low - 1, g.high - limitPerGroup, 0);
    for (let n = from + 1; n <= g.high; n++) {
      if (!seen(g.name, n)) gaps.push({ group: g.name, number: n });
    }
  }
  return gaps;
}

/** Pure: the active file's high-water marks, for saving once everything below them is handled. */
export function activeMarks(active: readonly ActiveGroup[]): Map<string, number> {
  return new Map(active.filter((g) => Number.isSafeInteger(g.high)).map((g) => [g.name, g.high]));
}

/**
 * Pure: the saved marks moved past the articles this run has handled since, one contiguous run per
 * group (a number never stored stops it: the next catch-up looks at it). Null when nothing moved.
 * At a clean stop this keeps the next start's catch-up from re-reading what was already notified.
 */
export function advanceMarks(
  marks: ReadonlyMap<string, number>,
  seen: (group: string, number: number) => boolean,
): Map<string, number> | null {
  let moved = false;
  const next = new Map(marks);
  for (const [group, mark] of marks) {
    let m = mark;
    while (seen(group, m + 1)) m++;
    if (m !== mark) {
      next.set(group, m);
      moved = true;
    }
  }
  return moved ? next : null;
}
