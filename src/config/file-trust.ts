import { realpath, stat } from "node:fs/promises";
import { ConfigError } from "../util/errors.js";
import { type TrustIO, untrustedBecause } from "../util/trusted-program.js";

/** Who runs newsnotify, and who invoked it through sudo (SUDO_UID), for the config file's check. */
export interface Invoker {
  euid: number;
  /** The user sudo ran us for: their own config file is theirs to trust. */
  sudoUid: number | null;
}

export function currentInvoker(env: NodeJS.ProcessEnv = process.env): Invoker {
  const sudo = env.SUDO_UID;
  return {
    euid: process.geteuid?.() ?? 0,
    sudoUid: sudo && /^\d+$/.test(sudo) ? Number(sudo) : null,
  };
}

/**
 * The config file chooses what root executes (`bpftrace:`, exec notifiers): run as root, it must
 * pass the StrictModes check the state directory has. The file and every directory above it are
 * owned by root or the invoking user (sudo's SUDO_UID), and writable by no one else (a directory
 * writable by others passes only when sticky, as /tmp). Not root: the user's own business.
 * Throws ConfigError (exit 2) naming the file and what to do.
 */
export async function checkConfigFile(
  file: string,
  who: Invoker = currentInvoker(),
  io: Pick<TrustIO, "stat" | "realpath"> = { stat: (p) => stat(p), realpath: (p) => realpath(p) },
): Promise<void> {
  if (who.euid !== 0) return;
  const owners = who.sudoUid !== null && who.sudoUid !== 0 ? [0, who.sudoUid] : [0];
  const why = await untrustedBecause(file, io, { owners, stickyDirs: true });
  if (why === null) return;
  throw new ConfigError([
    `${file}: refusing a config file that others could change: ${why}. It chooses what runs as ` +
      `root (bpftrace, exec notifiers): make it and its directories owned by root and not ` +
      `writable by group or others (chown root ${file}; chmod go-w ${file}).`,
  ]);
}
