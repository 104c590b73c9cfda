import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

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
  source: "built-in defaults (innconfval not found)",
};

/** Asks INN itself (innconfval) where its spool and active file are. Never throws. */
export async function innPaths(): Promise<InnPaths> {
  const bin = INNCONFVAL.find((p) => existsSync(p)) ?? "innconfval";
  try {
    const { stdout } = await run(
      bin,
      ["patharticles", "pathdb", "pathetc", "pathspool", "pathbin", "pathrun"],
      {
        timeout: 10_000,
      },
    );
    const [spool, db, etc, pathspool, pathbin, pathrun] = stdout.split("\n").map((s) => s.trim());
    if (!spool || !db || !etc || !pathspool || !pathbin || !pathrun) return FALLBACK;
    const activeFile = join(db, "active");
    return { spool, activeFile, etc, pathspool, bin: pathbin, run: pathrun, source: bin };
  } catch {
    return FALLBACK;
  }
}

/** Pure: storage.conf text → the storage methods it uses (tradspool, timehash, timecaf, cnfs...). */
export function storageMethods(text: string): string[] {
  const methods = new Set<string>();
  for (const m of text.replace(/#.*$/gm, "").matchAll(/^\s*method\s+([A-Za-z]+)\s*\{/gm)) {
    if (m[1]) methods.add(m[1].toLowerCase());
  }
  return [...methods];
}
