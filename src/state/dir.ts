import { constants } from "node:fs";
import { type FileHandle, lstat, mkdir, open, readdir, realpath, stat } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { errorMessage, StateError } from "../util/errors.js";
import type { Log } from "../util/log.js";
import { DIR_MODE } from "./files.js";
import { STATE_FILES } from "./names.js";

/** Names newsnotify itself keeps in its state directory (and what a fresh filesystem holds). */
const OURS = new RegExp(
  `^(${Object.values(STATE_FILES)
    .map((f) => f.replaceAll(".", "\\."))
    .join("|")})(\\.\\d+\\.tmp)?$|^lost\\+found$`,
);

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
    // False when something appeared there meanwhile: then it is checked like any existing one.
    created = await createPrivate(dir, uid, refuse);
  }
  const real = await realpath(dir).catch((e: unknown) =>
    refuse(`cannot resolve it (${errorMessage(e)})`),
  );
  const st = await stat(real);
  const shown = real === dir ? "it" : `its target ${real}`;
  if (!st.isDirectory()) refuse(`${shown} is not a directory`);
  if (st.uid !== uid)
    refuse(`${shown} belongs to uid ${st.uid}, not to uid ${uid} (who runs newsnotify)`);
  // A group/other-writable one is refused (one just made is 0700 already: createPrivate).
  if (!created && st.mode & 0o022) {
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
    // Through a descriptor of the very directory checked above, never by path again.
    const fh = await openDir(real).catch((e: unknown) =>
      refuse(`cannot open it (${errorMessage(e)})`),
    );
    try {
      const now = await fh.stat();
      if (now.ino !== st.ino || now.dev !== st.dev) refuse(`${shown} was replaced while checked`);
      await fh.chmod(DIR_MODE);
    } finally {
      await fh.close();
    }
    o.log?.(
      "info",
      `state directory ${real} was mode ${octal(st.mode)}; now 0700 (it holds article data and notifier URLs)`,
    );
  }
  return real;
}

/**
 * Creates the missing tail of `dir` (each component 0700, one mkdir at a time, never recursive)
 * without following a symlink anyone plants meanwhile: the deepest existing ancestor must pass
 * checkParents first (so nobody else can rename entries in it), and each new component is made and
 * then opened relative to its parent's descriptor (/proc/self/fd/N/NAME, as mkdirat and openat
 * would) with O_NOFOLLOW. The last one's mode is set and its owner checked through its descriptor:
 * a directory or symlink that appears in its place first is refused, and nothing of it is changed.
 * Returns whether it created anything.
 */
async function createPrivate(
  dir: string,
  uid: number,
  refuse: (why: string) => never,
): Promise<boolean> {
  const missing: string[] = [];
  let ancestor = resolve(dir);
  for (;;) {
    const exists = await lstat(ancestor).then(
      () => true,
      (e: NodeJS.ErrnoException) => {
        if (e.code === "ENOENT") return false;
        throw new StateError(`cannot inspect ${ancestor}: ${errorMessage(e)}`);
      },
    );
    if (exists) break;
    missing.unshift(basename(ancestor));
    ancestor = dirname(ancestor);
  }
  if (missing.length === 0) return false;
  const real = await realpath(ancestor).catch((e: unknown) =>
    refuse(`cannot resolve its parent ${ancestor} (${errorMessage(e)})`),
  );
  await checkParents(real, uid, refuse, true);
  let fh = await openDir(real).catch((e: unknown) => {
    throw new StateError(`cannot create the state directory ${dir}: ${errorMessage(e)}`);
  });
  try {
    for (const name of missing) {
      const at = `/proc/self/fd/${fh.fd}/${name}`;
      await mkdir(at, DIR_MODE).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== "EEXIST")
          throw new StateError(`cannot create the state directory ${dir}: ${errorMessage(e)}`);
      });
      const next = await open(at, DIR_FLAGS).catch((e: NodeJS.ErrnoException) =>
        refuse(
          e.code === "ELOOP" || e.code === "ENOTDIR"
            ? `${name} turned into a symlink or a file while it was being created`
            : `cannot open ${name} (${errorMessage(e)})`,
        ),
      );
      await fh.close();
      fh = next;
      const st = await fh.stat();
      if (st.uid !== uid)
        refuse(`${name} belongs to uid ${st.uid}, not to uid ${uid}: someone made it first`);
      // 0700 whatever the umask; set on the descriptor, so it is this directory that changes.
      await fh.chmod(DIR_MODE);
    }
  } finally {
    await fh.close();
  }
  return true;
}

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

function openDir(path: string): Promise<FileHandle> {
  return open(path, DIR_FLAGS);
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
