import { historyTokens } from "../inn/history.js";
import type { RunAsUser } from "../util/trusted-program.js";
import { type NntpOptions, NntpReader } from "./nntp-reader.js";
import { type OverviewAccess, type OverviewEntry, parseOverviewLine } from "./overview.js";

/**
 * The local server's overview (a reader connection: GROUP + OVER) and innd's history
 * (grephistory), for catch-up in groups not stored as one file per group and number. One
 * connection per group looked up: catch-up is rare and the lookups few.
 */
export function localOverview(
  pathbin: string,
  runAs?: RunAsUser | null,
  nntp: NntpOptions = {},
): OverviewAccess {
  return {
    async over(group: string, low: number, high: number): Promise<OverviewEntry[]> {
      const reader = await NntpReader.open(nntp);
      try {
        if (!(await reader.group(group))) return [];
        const lines = await reader.over(low, high);
        return lines.map(parseOverviewLine).filter((e): e is OverviewEntry => e !== null);
      } finally {
        reader.close();
      }
    },
    tokens: (ids) => historyTokens(ids, pathbin, undefined, runAs),
  };
}
