/**
 * The real innd with every storage method: th.* → timehash, tc.* → timecaf, cn.* → CNFS (a cycbuff
 * made here, owned by news), everything else → tradspool. Run under `flock /tmp/nn-innd.lock`: innd
 * is shared, and this restarts it (once to set up, once to restore).
 *
 * Backups sit beside the originals with a clear name (`storage.conf.newsnotify-e2e-backup`), plus a
 * state file saying what else was done, so `restoreStorageMethods()` is idempotent and also undoes a
 * crashed earlier run: setup calls it first. Restore is synchronous, so it can run from an `exit`
 * handler (`restoreOnExit`) as well as from afterAll.
 */
import { execFileSync } from "node:child_process";
import {
  chownSync,
  closeSync,
  copyFileSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
  ensureGroup,
  INNBIN,
  innconfval,
  inndRunning,
  restartInnd,
  startInnd,
  stopInnd,
} from "./inn.js";

export { inndRunning, restartInnd, startInnd, stopInnd } from "./inn.js";

export const BACKUP_SUFFIX = ".newsnotify-e2e-backup";

/** The groups this setup makes, by the method that stores them (a 9-level one under CNFS). */
export const METHOD_GROUPS = {
  timehash: "th.test",
  timecaf: "tc.test",
  cnfs: "cn.test",
  cnfsDeep: "cn.a.b.c.d.e.f.g.h",
  tradspool: "local.test",
} as const;

export const CYCBUFF_NAME = "NNE2E";
/** Cycbuff size in KB (cycbuff.conf's unit); the file is sparse. */
const CYCBUFF_KB = 16384;

const STORAGE_CONF = `# Written by newsnotify's e2e tests (test/helpers/storage-methods.ts); the original is
# beside it as storage.conf${BACKUP_SUFFIX} and is put back when the tests end.
method timehash {
    newsgroups: th.*
    class: 1
}
method timecaf {
    newsgroups: tc.*
    class: 2
}
method cnfs {
    newsgroups: cn.*
    class: 3
    options: NNE2ECC
}
method tradspool {
    newsgroups: *
    class: 0
}
`;

interface State {
  inndWasRunning: boolean;
  cycbuffFile: string;
  createdCycbuffDir: string | null;
}

function paths() {
  const etc = innconfval("pathetc");
  return {
    storage: join(etc, "storage.conf"),
    cycbuff: join(etc, "cycbuff.conf"),
    state: join(etc, `newsnotify-e2e-storage${BACKUP_SUFFIX}.json`),
    cycbuffDir: join(innconfval("pathspool"), "cycbuffs"),
  };
}

function newsOwned(path: string): void {
  const uid = Number(execFileSync("id", ["-u", "news"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "news"], { encoding: "utf8" }).trim());
  chownSync(path, uid, gid);
}

/**
 * Maps groups to all four methods and restarts innd; returns the restore function. Undoes a crashed
 * earlier run first. innd runs afterwards either way (the tests need it).
 */
export function useStorageMethods(): () => void {
  restoreStorageMethods();
  const p = paths();
  const state: State = {
    inndWasRunning: inndRunning(),
    cycbuffFile: join(p.cycbuffDir, "nn-e2e"),
    createdCycbuffDir: existsSync(p.cycbuffDir) ? null : p.cycbuffDir,
  };
  // The state file first: a crash from here on is undone by the next restore.
  writeFileSync(p.state, `${JSON.stringify(state)}\n`);
  copyFileSync(p.storage, p.storage + BACKUP_SUFFIX);
  copyFileSync(p.cycbuff, p.cycbuff + BACKUP_SUFFIX);

  if (state.createdCycbuffDir) {
    mkdirSync(state.createdCycbuffDir);
    newsOwned(state.createdCycbuffDir);
  }
  const fd = openSync(state.cycbuffFile, "w", 0o664);
  ftruncateSync(fd, CYCBUFF_KB * 1024);
  closeSync(fd);
  newsOwned(state.cycbuffFile);

  writeFileSync(p.storage, STORAGE_CONF);
  writeFileSync(
    p.cycbuff,
    `# Written by newsnotify's e2e tests; the original is cycbuff.conf${BACKUP_SUFFIX}.\n` +
      `cycbuff:${CYCBUFF_NAME}:${state.cycbuffFile}:${CYCBUFF_KB}\n` +
      `metacycbuff:NNE2ECC:${CYCBUFF_NAME}\n`,
  );
  restartInnd();
  for (const g of Object.values(METHOD_GROUPS)) ensureGroup(g);
  return restoreStorageMethods;
}

/**
 * Puts INN's storage.conf and cycbuff.conf back, removes the cycbuff, and leaves innd running or
 * stopped as it was found. Does nothing when there is nothing to undo; returns whether it undid.
 */
export function restoreStorageMethods(): boolean {
  const p = paths();
  if (!existsSync(p.state) && !existsSync(p.storage + BACKUP_SUFFIX)) return false;
  let state: State | null = null;
  try {
    state = JSON.parse(readFileSync(p.state, "utf8")) as State;
  } catch {
    // Crashed before the state file was complete: the backups alone say what to undo.
  }
  // Config first (innd reads it only at start): a failure below still leaves INN's files in place.
  for (const f of [p.storage, p.cycbuff]) {
    if (existsSync(f + BACKUP_SUFFIX)) renameSync(f + BACKUP_SUFFIX, f);
  }
  stopInnd();
  if (state) {
    rmSync(state.cycbuffFile, { force: true });
    if (state.createdCycbuffDir && existsSync(state.createdCycbuffDir)) {
      try {
        rmdirSync(state.createdCycbuffDir);
      } catch {
        // Not empty: someone else's files; leave it.
      }
    }
  }
  rmSync(p.state, { force: true });
  if (state?.inndWasRunning !== false) startInnd();
  return true;
}

/** Restores on process exit and on SIGINT/SIGTERM too (a test run killed halfway). */
export function restoreOnExit(): void {
  process.once("exit", () => {
    restoreStorageMethods();
  });
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      restoreStorageMethods();
      process.exit(130);
    });
  }
}

/** The article's token, as innd's history has it (grephistory). */
export function tokenOf(messageId: string): string {
  const out = execFileSync(`${INNBIN}/grephistory`, [messageId], { encoding: "utf8" }).trim();
  if (!/^@[0-9A-F]{36}@$/.test(out)) throw new Error(`grephistory ${messageId}: ${out}`);
  return out;
}
