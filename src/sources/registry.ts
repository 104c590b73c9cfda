/**
 * Every detection source, in the order `auto` prefers them. Adding a source: one file that exports a
 * `Source<"name">` (its //@section of scripts/trace.bt, its check, its decoder) and one line here;
 * the config's `source:` values and SourceName come from this list.
 */
import type { InnStorageMethod } from "../inn/storage-methods.js";
import type { HostFacts } from "../system/host.js";
import { feed } from "./feed.js";
import { kprobe } from "./kprobe.js";
import type { Source } from "./source.js";
import { tracepoint } from "./tracepoint.js";
import { uprobe } from "./uprobe.js";

export const SOURCES = [kprobe, tracepoint, uprobe, feed] as const satisfies readonly Source[];

/** "kprobe" | "tracepoint" | "uprobe" | "feed" */
export type SourceName = (typeof SOURCES)[number]["name"];

/** The names, in registry order (for the config's enum). */
export const SOURCE_NAMES = SOURCES.map((s) => s.name) as [SourceName, ...SourceName[]];

/**
 * When no source fits, the one to try first: tracepoints need only tracefs (watch mounts it as
 * root). A source not listed comes after these.
 */
const RESORT: readonly SourceName[] = ["tracepoint", "uprobe", "kprobe"];

export type SourceSetting = SourceName | "auto";

/** The source of this name (a config value or a source's `fallback`); throws for any other. */
export function sourceNamed(name: string): Source {
  const s = (SOURCES as readonly Source[]).find((x) => x.name === name);
  if (!s) throw new Error(`no source named ${name}`);
  return s;
}

export interface SourceChoice {
  source: Source;
  reason: string;
}

/**
 * Pure: the configured mode, the host's facts and the storage methods innd uses (storage.conf) →
 * the source to run, and why. In auto mode, the first source (in registry order) that sees every
 * method in use and whose check passes; a set mode is obeyed even if its check fails (the attach
 * error will say why); when none fits, the one that sees the most is tried.
 */
export function chooseSource(
  setting: SourceSetting,
  host: HostFacts,
  methods: readonly InnStorageMethod[] = [],
): SourceChoice {
  if (setting !== "auto") return { source: sourceNamed(setting), reason: "set in config" };
  const refusals: string[] = [];
  for (const source of SOURCES) {
    const unseen = methods.filter((m) => !source.sees.includes(m));
    if (unseen.length > 0) {
      refusals.push(`${source.name} cannot see ${unseen.join(", ")} articles`);
      continue;
    }
    const c = source.check(host);
    if (c.ok) return { source, reason: refusals.length > 0 ? refusals.join("; ") : c.reason };
    refusals.push(c.reason);
  }
  // None fits: the source that sees the most methods, the one with the fewest needs first on a tie.
  const seen = (s: Source) => methods.filter((m) => s.sees.includes(m)).length;
  const resort = (s: Source) => {
    const i = (RESORT as readonly string[]).indexOf(s.name);
    return i === -1 ? RESORT.length : i;
  };
  const best = [...SOURCES].sort((a, b) => seen(b) - seen(a) || resort(a) - resort(b))[0] as Source;
  return { source: best, reason: `${refusals.join("; ")}; trying ${best.name} anyway` };
}
