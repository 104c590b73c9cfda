import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { errorMessage, StateError } from "../util/errors.js";
import { writeAtomic } from "./files.js";
import { STATE_FILES } from "./names.js";
import type { Outbox } from "./outbox.js";

const TARGET_KEY_FILE = STATE_FILES.targetKey;

/**
 * The secret that names notifiers in the outbox, status.json and /metrics' `target` label (an HMAC
 * of the notifier's entry under it). A plain hash of the entry would let whoever reads /metrics test
 * guesses of a password inside it offline; this key never leaves the state directory. Made once (32
 * random bytes, hex, 0600) and read on every start, so labels stay the same across restarts.
 */
export async function targetKey(dir: string): Promise<Buffer> {
  const path = join(dir, TARGET_KEY_FILE);
  const text = await readPrivate(path);
  if (text === null) {
    const key = randomBytes(32);
    // The caller holds the state directory's lock: nobody else creates it meanwhile.
    await writeAtomic(path, `${key.toString("hex")}\n`);
    return key;
  }
  const hex = text.trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    throw new StateError(
      `${path} is not a key newsnotify wrote (64 hex digits). Remove it: a new one is made, and ` +
        "notifications still pending in the outbox are then resent under their new target ids.",
    );
  }
  return Buffer.from(hex, "hex");
}

/** The file's text, null when it does not exist; refused unless a regular file only its owner reads. */
async function readPrivate(path: string): Promise<string | null> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch(
    (e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return null;
      throw new StateError(`cannot read ${path}: ${errorMessage(e)}`);
    },
  );
  if (fh === null) return null;
  try {
    const st = await fh.stat();
    if (!st.isFile() || st.mode & 0o077) {
      throw new StateError(
        `${path} must be a regular file of mode 0600 (it is ${st.isFile() ? `mode 0${(st.mode & 0o777).toString(8)}` : "not a file"}): remove it and a new one is made`,
      );
    }
    return await fh.readFile("utf8");
  } finally {
    await fh.close();
  }
}

/**
 * Notifications journaled under a notifier's earlier id (the plain hash newsnotify used before the
 * key, or any id that `previous[i]` names) move to its current id `current[i]`: journaled again
 * under it, then dropped under the old one. Returns how many moved.
 */
export async function rekeyPending(
  outbox: Outbox,
  previous: readonly string[],
  current: readonly string[],
): Promise<number> {
  const now = new Map(previous.map((old, i) => [old, current[i]] as const));
  const known = new Set(current);
  let moved = 0;
  for (const p of outbox.pending()) {
    const to = now.get(p.target);
    if (to === undefined || known.has(p.target)) continue;
    await outbox.admit([to], p.article);
    await outbox.drop(p.target, p.article.messageId, `now journaled for target ${to}`);
    moved++;
  }
  return moved;
}
