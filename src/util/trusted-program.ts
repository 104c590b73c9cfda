import { realpath, stat } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Whether root may run a program found on INN's paths (innconfval, sm, grephistory) as itself. On a
 * source install (/usr/local/news, /opt/inn) the news user may own those files or their
 * directories: root running them would hand root to whoever broke into innd. So a program runs as
 * root only when it and every directory above it (its real path, and the path as named) are owned
 * by root and not writable by group or others; otherwise it runs as INN's own user, through spawn's
 * uid/gid (which also drops the supplementary groups, and with them root's capabilities).
 */

/** The user a program is run as when root cannot trust it: INN's runasuser (news). */
export interface RunAsUser {
  uid: number;
  gid: number;
  name: string;
}

export interface TrustIO {
  stat(path: string): Promise<{ uid: number; mode: number }>;
  realpath(path: string): Promise<string>;
  /** The effective uid newsnotify runs with (only root has anything to lose). */
  euid: number;
}

const realIO: TrustIO = {
  stat: (p) => stat(p),
  realpath: (p) => realpath(p),
  euid: process.geteuid?.() ?? 0,
};

/** Who else than root may own the file and its directories; whether sticky directories (/tmp) pass. */
export interface TrustRule {
  owners: readonly number[];
  stickyDirs: boolean;
}

const ROOT_ALONE: TrustRule = { owners: [0], stickyDirs: false };

/**
 * Why root must not run (or read its orders from) `file`, or null when it and the directories above
 * it are owned by `rule.owners` and writable by no one else: ssh's StrictModes, over the real path
 * and the path as named (whoever may replace a symlink may redirect it).
 */
export async function untrustedBecause(
  file: string,
  io: Pick<TrustIO, "stat" | "realpath"> = realIO,
  rule: TrustRule = ROOT_ALONE,
): Promise<string | null> {
  let real: string;
  try {
    real = await io.realpath(file);
  } catch (e) {
    return `it cannot be resolved (${(e as NodeJS.ErrnoException).code ?? String(e)})`;
  }
  const seen = new Set<string>();
  for (const start of [real, dirname(file)]) {
    for (let p = start; !seen.has(p); p = dirname(p)) {
      seen.add(p);
      const st = await io.stat(p);
      const what =
        p === real ? (real === file ? "it" : `its target ${real}`) : `its directory ${p}`;
      if (!rule.owners.includes(st.uid)) {
        const who = rule.owners.map((u) => (u === 0 ? "root" : `uid ${u}`)).join(" or ");
        return `${what} belongs to uid ${st.uid}, not ${who}`;
      }
      const sticky = rule.stickyDirs && p !== real && (st.mode & 0o1000) !== 0;
      if (st.mode & 0o022 && !sticky) {
        const who = st.mode & 0o002 ? "others" : "its group";
        return `${what} is writable by ${who} (mode 0${(st.mode & 0o7777).toString(8)})`;
      }
      if (p === dirname(p)) break;
    }
  }
  return null;
}

/** spawn's uid/gid for `file`: none (run as we are), or INN's user when root cannot trust it. */
export type SpawnIdentity = { uid?: number; gid?: number };

export class UntrustedProgramError extends Error {
  override name = "UntrustedProgramError";
}

/**
 * The identity to spawn `file` with. Not root: as we are (nothing to lose). Root and a trusted
 * program: as root. Root and an untrusted one: as `user` (INN's runasuser); with no such user, or
 * one that is root itself, it is refused with a message that says what to fix.
 */
export async function spawnIdentity(
  file: string,
  user: RunAsUser | null | undefined,
  io: TrustIO = realIO,
): Promise<SpawnIdentity> {
  if (io.euid !== 0) return {};
  const why = await untrustedBecause(file, io);
  if (why === null) return {};
  if (user && user.uid !== 0) return { uid: user.uid, gid: user.gid };
  throw new UntrustedProgramError(
    `refusing to run ${file} as root: ${why}, and there is no unprivileged INN user to run it as. ` +
      `Make ${file} and its directories owned by root and not group/other-writable (chown root, chmod go-w).`,
  );
}
