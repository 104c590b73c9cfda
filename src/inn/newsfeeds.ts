import { compileWildmat } from "./wildmat.js";

/**
 * INN's newsfeeds file, as newsfeeds(5) says innd reads it: logical lines (a trailing backslash
 * joins the next, its leading whitespace dropped), `#` comments, `$NAME=value` variables (a `!` or
 * `@` just before `$NAME` is repeated after each comma of the value), and four colon-separated
 * fields: site[/exclusions], patterns[/distributions], flags, parameter. Pure.
 */

export interface NewsfeedsEntry {
  /** As innd names it (a trailing `!` included: `ctlinnd feedinfo` and the spool file use it). */
  site: string;
  /** The subscription patterns, variables expanded. */
  patterns: string[];
  /** Flag letter → its value (`T` → "c", `W` → "nm"); a flag given twice keeps the last. */
  flags: Map<string, string>;
  parameter: string;
}

export function parseNewsfeeds(text: string): NewsfeedsEntry[] {
  const vars = new Map<string, string>();
  const entries: NewsfeedsEntry[] = [];
  for (const line of logicalLines(text)) {
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    const v = /^\$([A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (v) {
      vars.set(v[1] as string, v[2] as string);
      continue;
    }
    const [site = "", patterns = "", flags = "", ...rest] = line.split(":");
    entries.push({
      site: (site.split("/")[0] ?? "").trim(),
      patterns: expand(patterns.split("/")[0] ?? "", vars)
        .split(",")
        .filter((p) => p !== ""),
      flags: new Map(
        flags
          .split(",")
          .filter((f) => f !== "")
          .map((f) => [f[0] as string, f.slice(1)]),
      ),
      parameter: rest.join(":"),
    });
  }
  return entries;
}

function logicalLines(text: string): string[] {
  const out: string[] = [];
  let held = "";
  for (const raw of text.split("\n")) {
    const line = held === "" ? raw : held + raw.trimStart();
    if (line.endsWith("\\")) {
      held = line.slice(0, -1);
      continue;
    }
    held = "";
    out.push(line);
  }
  if (held !== "") out.push(held);
  return out;
}

/** `$NAME` → its value; `!$NAME` and `@$NAME` put the `!` or `@` before each of its items. */
function expand(field: string, vars: Map<string, string>): string {
  return field.replace(/([!@]?)\$([A-Za-z0-9_]+)/g, (all, mark: string, name: string) => {
    const value = vars.get(name);
    if (value === undefined) return all;
    return mark === "" ? value : `${mark}${value.split(",").join(`,${mark}`)}`;
  });
}

/**
 * The patterns innd matches a site's articles against: the ME entry's subscriptions come first
 * (newsfeeds(5): "prepended to the subscription list of all other entries"), then the site's own.
 */
export function effectivePatterns(entries: readonly NewsfeedsEntry[], site: string): string[] {
  const me = entries.find((e) => e.site === "ME")?.patterns ?? [];
  const own = entries.find((e) => e.site === site)?.patterns ?? [];
  return [...me, ...own];
}

/** The entries that run `newsnotify feed` as a channel program. */
export function newsnotifyFeeds(entries: readonly NewsfeedsEntry[]): NewsfeedsEntry[] {
  return entries.filter((e) => /(^|[\s/])newsnotify(\s.*)?\sfeed(\s|$)/.test(e.parameter));
}

/** Which articles innd feeds a site, as its patterns say (effectivePatterns). */
export interface Subscription {
  /** Some article filed in `group` could be fed: the rightmost pattern matching it is plain. */
  wantsGroup(group: string): boolean;
  /**
   * innd feeds an article filed in `groups` (its Xref: the groups this server carries): some group
   * is wanted and none is poisoned (`@`). Distributions, size flags and Path exclusions are not
   * looked at: the feed's entry has none of them.
   */
  feeds(groups: readonly string[]): boolean;
}

/** Pure: a site's patterns (innd joins them back with commas) → its subscription. */
export function subscription(patterns: readonly string[]): Subscription {
  const w = compileWildmat(patterns.join(","));
  return {
    wantsGroup: (group) => w.test(group) === "match",
    feeds: (groups) => {
      const results = groups.map((g) => w.test(g));
      return results.includes("match") && !results.includes("poison");
    },
  };
}
