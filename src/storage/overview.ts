import type { Found, OverviewAccess, OverviewEntry, StoredRef } from "./method.js";

export type { OverviewAccess, OverviewEntry } from "./method.js";

/** Pure: an OVER line → its number, Message-ID and date; null for a malformed line. */
export function parseOverviewLine(line: string): OverviewEntry | null {
  const f = line.split("\t");
  const number = Number(f[0]);
  const messageId = f[4]?.trim() ?? "";
  if (!Number.isSafeInteger(number) || number < 1 || !/^<[^\s<>]+>$/.test(messageId)) return null;
  return { number, messageId, dateMs: Date.parse(f[3] ?? "") };
}

/**
 * For catch-up in groups whose articles have no file named by group and number (timehash, timecaf,
 * CNFS): the group's overview says which numbers exist and their Message-IDs, innd's history gives
 * their tokens. Works for every storage method. When an article arrived is not in the overview:
 * its posting date stands in (an unparsable one counts as now, so it is not skipped as old).
 */
export async function findThroughOverview(
  group: string,
  numbers: readonly number[],
  access: OverviewAccess,
  fromToken: (token: string) => Promise<StoredRef>,
): Promise<Found[]> {
  if (numbers.length === 0) return [];
  const wanted = new Set(numbers);
  const low = Math.min(...numbers);
  const high = Math.max(...numbers);
  const entries = (await access.over(group, low, high)).filter((e) => wanted.has(e.number));
  const tokens = await access.tokens(entries.map((e) => e.messageId));
  const found: Found[] = [];
  for (const e of entries) {
    const token = tokens.get(e.messageId);
    if (!token) continue; // cancelled or expired since: history keeps no token
    const ref = await fromToken(token);
    found.push({
      ref: { ...ref, group, number: e.number },
      arrivedMs: Number.isNaN(e.dateMs) ? Date.now() : e.dateMs,
    });
  }
  return found;
}
