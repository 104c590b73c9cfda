import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { type RunAsUser, spawnIdentity } from "../util/trusted-program.js";

const run = promisify(execFile);

/** Where INN keeps innconfval on the usual installs (Debian's inn2 first). */
const INNCONFVAL = [
  "/usr/lib/news/bin/innconfval",
  "/usr/local/news/bin/innconfval",
  "/opt/inn/bin/innconfval",
  "/usr/libexec/news/innconfval",
];

export interface InnPaths {
  /** patharticles: the tradspool root. */
  spool: string;
  /** pathdb/active: innd's list of groups. */
  activeFile: string;
  /** pathetc, for storage.conf. */
  etc: string;
  /** pathspool, for tradspool.map. */
  pathspool: string;
  /** pathbin: innd, sm. */
  bin: string;
  /** pathrun: innd.pid. */
  run: string;
  /** pathoutgoing: where innd spools a channel feed while its program is not running. */
  outgoing: string;
  /** runasuser and runasgroup: the user innd runs as (news). */
  user: string;
  group: string;
  /** Where these came from, for `doctor`. */
  source: string;
}

const FALLBACK: InnPaths = {
  spool: "/var/spool/news/articles",
  activeFile: "/var/lib/news/active",
  etc: "/etc/news",
  pathspool: "/var/spool/news",
  bin: "/usr/lib/news/bin",
  run: "/run/news",
  outgoing: "/var/spool/news/outgoing",
  user: "news",
  group: "news",
  source: "built-in defaults (innconfval not found)",
};

/**
 * Asks INN itself (innconfval) where its spool and active file are. Never throws. Only INN's own
 * paths are tried, never $PATH (root would run whatever a PATH entry holds); an innconfval that root
 * cannot trust runs as `runAs` (util/trusted-program.ts), and one that cannot run at all leaves the
 * built-in defaults, which `source` names.
 */
export async function innPaths(runAs?: RunAsUser | null): Promise<InnPaths> {
  const bin = INNCONFVAL.find((p) => existsSync(p));
  if (!bin) return FALLBACK;
  try {
    const identity = await spawnIdentity(bin, runAs);
    const { stdout } = await run(
      bin,
      ["patharticles", "pathdb", "pathetc", "pathspool", "pathbin", "pathrun", "pathoutgoing"],
      { timeout: 10_000, ...identity },
    );
    const [spool, db, etc, pathspool, pathbin, pathrun, outgoing] = stdout
      .split("\n")
      .map((s) => s.trim());
    if (!spool || !db || !etc || !pathspool || !pathbin || !pathrun) return FALLBACK;
    const activeFile = join(db, "active");
    // INN before 2.7 has no runasuser/runasgroup: then news, its built-in user.
    const [user, group] = await run(bin, ["runasuser", "runasgroup"], {
      timeout: 10_000,
      ...identity,
    }).then(
      (r) => r.stdout.split("\n").map((s) => s.trim()),
      () => ["news", "news"],
    );
    const source = identity.uid === undefined ? bin : `${bin} (run as uid ${identity.uid})`;
    return {
      spool,
      activeFile,
      etc,
      pathspool,
      bin: pathbin,
      run: pathrun,
      outgoing: outgoing || join(pathspool, "outgoing"),
      user: user || "news",
      group: group || "news",
      source,
    };
  } catch (e) {
    return { ...FALLBACK, source: `built-in defaults (${bin}: ${(e as Error).message})` };
  }
}
