/**
 * A newsnotify channel feed in the real innd's newsfeeds, for the feed tests: the original file is
 * kept beside it (`newsfeeds.newsnotify-e2e-backup`) and put back, then `ctlinnd reload newsfeeds`,
 * after the tests, from an `exit` handler too, and before setup (a crashed earlier run). Run under
 * `flock /tmp/nn-innd.lock`: innd is shared.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { INNBIN, innconfval } from "./inn.js";

/** The entry's site name: the ! keeps it from matching a Path entry (newsfeeds(5)). */
export const SITE = "nne2e!";
const BACKUP_SUFFIX = ".newsnotify-e2e-backup";
const BIN = new URL("../../bin/newsnotify", import.meta.url).pathname;

export function newsfeedsPath(): string {
  return join(innconfval("pathetc"), "newsfeeds");
}

export function spoolFileOf(site = SITE): string {
  return join(innconfval("pathoutgoing"), site);
}

function ctlinnd(...args: string[]): string {
  return execFileSync(`${INNBIN}/ctlinnd`, ["-t", "30", ...args], { encoding: "utf8" });
}

/** Puts the original newsfeeds back (if a backup is there) and has innd read it. Idempotent. */
export function restoreNewsfeeds(): boolean {
  const file = newsfeedsPath();
  if (!existsSync(file + BACKUP_SUFFIX)) return false;
  renameSync(file + BACKUP_SUFFIX, file);
  spawnSync(`${INNBIN}/ctlinnd`, ["-t", "30", "reload", "newsfeeds", "newsnotify e2e restore"], {
    stdio: "ignore",
  });
  for (const f of [spoolFileOf(), `${spoolFileOf()}.newsnotify-replay`]) rmSync(f, { force: true });
  return true;
}

let hooked = false;
/** Restores newsfeeds when the test process exits, whatever the tests did. */
export function restoreNewsfeedsOnExit(): void {
  if (hooked) return;
  hooked = true;
  process.on("exit", () => restoreNewsfeeds());
}

export interface FeedSetup {
  dir: string;
  config: string;
  /** The feed's state directory (news-owned, 0700). */
  state: string;
  /** stderr of every feed innd started, appended. */
  log: string;
  /**
   * While this file exists, the program innd starts closes its stdin and sleeps (its pid in
   * `hold`.pid): no feed runs, and innd, its writes refused, spools.
   */
  hold: string;
  uid: number;
}

/**
 * A config (webhook to `url`), a state directory owned by news, and a wrapper innd runs (stderr to
 * a log the test reads), then `patterns` as a newsnotify entry in newsfeeds, reloaded.
 */
export function addFeed(url: string, patterns: string, extraConfig = ""): FeedSetup {
  restoreNewsfeeds();
  restoreNewsfeedsOnExit();
  const uid = Number(execFileSync("id", ["-u", "news"], { encoding: "utf8" }));
  const gid = Number(execFileSync("id", ["-g", "news"], { encoding: "utf8" }));
  const dir = mkdtempSync(join(tmpdir(), "newsnotify-feed-"));
  chmodSync(dir, 0o755);
  const state = join(dir, "state");
  mkdirSync(state, { mode: 0o700 });
  chownSync(state, uid, gid);
  const config = join(dir, "feed.yaml");
  writeFileSync(
    config,
    `stateDir: ${state}\n${extraConfig}notifiers:\n  - type: webhook\n    url: ${url}/hook\n`,
    { mode: 0o644 },
  );
  const log = join(dir, "feed.log");
  writeFileSync(log, "", { mode: 0o644 });
  chownSync(log, uid, gid);
  const hold = join(dir, "hold");
  writeFileSync(`${hold}.pid`, "", { mode: 0o644 });
  chownSync(`${hold}.pid`, uid, gid);
  const wrapper = join(dir, "feed.sh");
  writeFileSync(
    wrapper,
    `#!/bin/sh\nif [ -e ${hold} ]; then echo $$ > ${hold}.pid; exec sleep 600 <&- ; fi\n` +
      `exec /usr/bin/node --max-semi-space-size=2 ${BIN} feed -c ${config} --site ${SITE} 2>>${log}\n`,
    { mode: 0o755 },
  );
  const file = newsfeedsPath();
  copyFileSync(file, file + BACKUP_SUFFIX);
  // Its arguments name `newsnotify feed` (the wrapper ignores them), as doctor looks for.
  const entry = `${SITE}:${patterns}:Tc,Wnm:/bin/sh ${wrapper} newsnotify feed`;
  writeFileSync(file, `${readFileSync(file, "utf8").trimEnd()}\n\n# newsnotify e2e\n${entry}\n`);
  ctlinnd("reload", "newsfeeds", "newsnotify e2e");
  return { dir, config, state, log, hold, uid };
}

/** The pid in the feed's lock file, when that process is alive. */
export function feedPid(state: string): number | null {
  try {
    const pid = Number(readFileSync(join(state, "watch.pid"), "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 && existsSync(`/proc/${pid}`) ? pid : null;
  } catch {
    return null;
  }
}

export function ctlinndFlush(site = SITE): void {
  ctlinnd("flush", site);
}

/** Waits for `cond`, up to `ms`; throws with `what`, innd's view of the feed and the feed's log. */
export async function untilFeed(
  cond: () => boolean,
  what: string,
  f: FeedSetup,
  ms = 60_000,
): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100)))
    if (cond()) return;
  const info = execFileSync(`${INNBIN}/ctlinnd`, ["feedinfo", SITE], { encoding: "utf8" });
  throw new Error(
    `${what}: not within ${ms} ms. innd says:\n${info}The feed said:\n${readFileSync(f.log, "utf8")}`,
  );
}

/** Once the last feed is gone (it journals and saves its marks after innd lets it go), its files. */
export async function removeFeedFiles(f: FeedSetup): Promise<void> {
  await untilFeed(() => feedPid(f.state) === null, "the last feed gone", f);
  rmSync(f.dir, { recursive: true, force: true });
}
