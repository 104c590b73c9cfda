import { readFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * `<pathspool>/tradspool.map`: the numbers tradspool tokens use for groups. One line per group,
 * `<group with dots as slashes> <number>` (storage/tradspool/tradspool.c: DumpDB writes it with
 * "%s %lu\n", ReadDBFile reads it). innd rewrites it (via tradspool.map.new + rename) when it meets a
 * group that has no number yet, so a reader that misses a number rereads the file once.
 */
export interface TradspoolMap {
  /** Number → group name with dots (`local.test`). */
  byNumber: Map<number, string>;
  /** Lines that were not `name number` (INN itself refuses to start on one: it is worth a log line). */
  bad: string[];
}

export const TRADSPOOL_MAP = "tradspool.map";

/** Pure: the file's text → its table. */
export function parseTradspoolMap(text: string): TradspoolMap {
  const byNumber = new Map<number, string>();
  const bad: string[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const m = /^(\S+) (\d{1,10})$/.exec(line);
    const number = m ? Number(m[2]) : 0;
    if (!m || number < 1 || number > 0xffffffff) {
      bad.push(line.slice(0, 200));
      continue;
    }
    byNumber.set(number, (m[1] as string).replaceAll("/", "."));
  }
  return { byNumber, bad };
}

/** Reads `<pathspool>/tradspool.map` (pathspool, not patharticles: innconfval pathspool). */
export async function readTradspoolMap(pathspool: string): Promise<TradspoolMap> {
  return parseTradspoolMap(await readFile(join(pathspool, TRADSPOOL_MAP), "latin1"));
}

/**
 * Group names by number, reread when a number is missing (a group innd numbered after our last
 * read) but not more often than `minRereadMs`: a bogus token must not make us reread on every event.
 */
export class TradspoolGroups {
  private map: TradspoolMap | null = null;
  private readAt = 0;

  constructor(
    private readonly pathspool: string,
    private readonly minRereadMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  async group(number: number): Promise<string | null> {
    const known = this.map?.byNumber.get(number);
    if (known !== undefined) return known;
    if (this.map && this.now() - this.readAt < this.minRereadMs) return null;
    this.readAt = this.now();
    this.map = await readTradspoolMap(this.pathspool);
    return this.map.byNumber.get(number) ?? null;
  }
}
