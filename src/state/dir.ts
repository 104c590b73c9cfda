import { chmod, lstat, mkdir, readdir, realpath, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { errorMessage, StateError } from "../util/errors.js";
import type { Log } from "../util/log.js";
import { DIR_MODE } from "./files.js";

/** Names newsnotify itself keeps in its state directory (and what a fresh filesystem holds). */
const OURS = /^(outbox\.jsonl|highwater\.json|watch\.pid|status\.json)(\.\d+\.tmp)?$|^lost\+found$/;

export interface StateDirOptions {
  /** The user the state must belong to (the running one by default). */
  uid?: number;
  log?: Log;
}

/**
 * Makes sure `dir` is a directory newsnotify may keep its state in, the way ssh's StrictModes
 * checks ~/.ssh: created 0700 when missing; otherwise it (and, for a symlink, its target) must be a
 * directory owned by the running user and not writable by group or others, inside parents that
 * others cannot swap (owned by root or the user, and writable by others only when sticky, as /tmp),
 * and it must hold nothing but newsnotify's own files (so a stateDir pointed at /etc or $HOME is
 * refused, not written into). Throws StateError (exit 5) before anything is written there.
 * Returns the directory's real path.
 */
export async function prepareStateDir(dir: string, o: StateDirOptions = {}): Promise<string> {
  const uid = o.uid ?? process.geteuid?.() ?? 0;
  const refuse = (why: string): never => {
    throw new StateError(
      `refusing the state directory ${dir}: ${why}. Point stateDir at a directory of newsnotify's own ` +
        "(owned by the user it runs as, mode 0700), or remove it and let newsnotify create it.",
    );
  };
  let created = false;
  try {
    await lstat(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT")
      refuse(`cannot inspect it (${errorMessage(e)})`);
    try {
      await mkdir(dir, { recursive: true, mode: DIR_MODE });
      created = true;
    } catch (e2) {
      throw new StateError(`cannot create the state directory ${dir}: ${errorMessage(e2)}`);
    }
  }
  const real = await realpath(dir).catch((e: unknown) =>
    refuse(`cannot resolve it (${errorMessage(e)})`),
  );
  const st = await stat(real);
  const shown = real === dir ? "it" : `its target ${real}`;
  if (!st.isDirectory()) refuse(`${shown} is not a directory`);
  if (st.uid !== uid)
    refuse(`${shown} belongs to uid ${st.uid}, not to uid ${uid} (who runs newsnotify)`);
  // A directory just made gets 0700 whatever the umask; a group/other-writable one is refused.
  if (created) await chmod(real, DIR_MODE);
  else if (st.mode & 0o022) {
    refuse(
      `${shown} is writable by ${st.mode & 0o002 ? "others" : "its group"} (mode ${octal(st.mode)})`,
    );
  }
  await checkParents(real, uid, refuse);
  if (real !== dir) {
    // A symlink (or a path through one): whoever may replace the link may redirect the state.
    const link = await lstat(dir);
    if (link.isSymbolicLink() && link.uid !== 0 && link.uid !== uid)
      refuse(`the symlink belongs to uid ${link.uid}`);
    await checkParents(await realpath(dirname(dir)), uid, refuse, true);
  }
  const strangers = (await readdir(real)).filter((n) => !OURS.test(n));
  if (strangers.length > 0) {
    const few = strangers.slice(0, 3).join(", ") + (strangers.length > 3 ? ", …" : "");
    refuse(`${shown} holds files that are not newsnotify's (${few})`);
  }
  if (!created && st.mode & 0o077) {
    await chmod(real, DIR_MODE);
    o.log?.(
      "info",
      `state directory ${real} was mode ${octal(st.mode)}; now 0700 (it holds article data and notifier URLs)`,
    );
  }
  return real;
}

/** Every parent must be owned by root or the user, and writable by others only with the sticky bit. */
async function checkParents(
  real: string,
  uid: number,
  refuse: (why: string) => never,
  self = false,
): Promise<void> {
  for (let p = self ? real : dirname(real); ; p = dirname(p)) {
    const st = await stat(p);
    if (st.uid !== 0 && st.uid !== uid) refuse(`its parent ${p} belongs to uid ${st.uid}`);
    if (st.mode & 0o022 && !(st.mode & 0o1000)) {
      refuse(
        `its parent ${p} is writable by others (mode ${octal(st.mode)}) without the sticky bit`,
      );
    }
    if (p === dirname(p)) return;
  }
}

function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8)}`;
}
