import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Setup } from "../flow/setup.js";
import { effectivePatterns, newsnotifyFeeds, parseNewsfeeds } from "../inn/newsfeeds.js";
import { FEED_FLAGS, feedEntry } from "../sources/feed.js";
import { errorMessage } from "../util/errors.js";

const run = promisify(execFile);

/** What `ctlinnd feedinfo SITE` says of a site (one line), or why it could not be asked. */
export type FeedInfo = (
  site: string,
) => Promise<{ ok: true; text: string } | { ok: false; why: string }>;

/**
 * doctor's lines about the feed source: whether newsfeeds has a `newsnotify feed` entry, whether
 * innd runs it (ctlinnd feedinfo), which groups innd will send it, and problems with its flags.
 * Pushes what would stop it working onto `problems`.
 */
export async function feedChecks(
  setup: Setup,
  problems: string[],
  feedinfo: FeedInfo = ctlinndFeedinfo(setup.inn.bin),
): Promise<[string, string][]> {
  const file = join(setup.inn.etc, "newsfeeds");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    return [["feed entry", `${file} not readable (${errorMessage(e)})`]];
  }
  const entries = parseNewsfeeds(text);
  const ours = newsnotifyFeeds(entries);
  if (ours.length === 0) {
    return [
      [
        "feed entry",
        `none in ${file} (for the feed source, add ${feedEntry("/usr/bin/newsnotify feed")}; see docs/feed.md)`,
      ],
    ];
  }
  const lines: [string, string][] = [];
  for (const e of ours) {
    const flags = [...e.flags].map(([k, v]) => k + v).join(",");
    lines.push([`feed ${e.site}`, `${e.parameter} (flags ${flags})`]);
    if (e.flags.get("T") !== "c" || e.flags.get("W") !== "nm")
      problems.push(
        `newsfeeds entry ${e.site} has flags ${flags}: newsnotify feed reads ${FEED_FLAGS} lines (T c, W nm)`,
      );
    lines.push([`feed ${e.site} groups`, effectivePatterns(entries, e.site).join(",") || "none"]);
    const info = await feedinfo(e.site);
    if (info.ok && /\bchannel\b/.test(info.text)) {
      lines.push([`feed ${e.site} in innd`, `active: ${info.text}`]);
    } else if (info.ok) {
      lines.push([`feed ${e.site} in innd`, `NOT ACTIVE: ${info.text}`]);
      problems.push(
        `innd does not run the newsfeeds entry ${e.site}: ctlinnd reload newsfeeds 'newsnotify' (innd says: ${info.text})`,
      );
    } else {
      lines.push([`feed ${e.site} in innd`, `unknown (${info.why})`]);
    }
  }
  return lines;
}

/** `ctlinnd feedinfo SITE` (innd must run; root or INN's user may ask): its first line. */
function ctlinndFeedinfo(bin: string): FeedInfo {
  return async (site) => {
    try {
      const { stdout } = await run(join(bin, "ctlinnd"), ["-t", "10", "feedinfo", site], {
        timeout: 15_000,
      });
      return { ok: true, text: (stdout.split("\n")[0] ?? "").replace(/\s+/g, " ").trim() };
    } catch (e) {
      const said = (e as { stderr?: string }).stderr?.trim() ?? "";
      // innd answered, and has no such site: the entry is not (yet) in force.
      if (/no such site/i.test(said)) return { ok: true, text: "no such site" };
      return { ok: false, why: `ctlinnd feedinfo: ${said || errorMessage(e).split("\n")[0]}` };
    }
  };
}
