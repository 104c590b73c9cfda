import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { RunAsUser } from "../util/trusted-program.js";

const run = promisify(execFile);

/** A user or group name as INN's inn.conf takes it (runasuser, runasgroup). */
const NAME = /^[A-Za-z0-9._][A-Za-z0-9._-]{0,31}$/;

/** Pure: one getent passwd/group line → its numeric id (third field), or null. */
export function idFromEntry(line: string): number | null {
  const id = line.split(":")[2];
  return id !== undefined && /^\d+$/.test(id) ? Number(id) : null;
}

/** Pure: a getent passwd line → uid, primary gid and home directory, or null. */
export function passwdEntry(line: string): { uid: number; gid: number; home: string } | null {
  const f = line.trim().split(":");
  if (f.length < 4 || !/^\d+$/.test(f[2] ?? "") || !/^\d+$/.test(f[3] ?? "")) return null;
  return { uid: Number(f[2]), gid: Number(f[3]), home: f[5] || "/" };
}

async function getent(db: "passwd" | "group", name: string): Promise<string | null> {
  if (!NAME.test(name)) return null;
  for (const bin of ["/usr/bin/getent", "/bin/getent"]) {
    try {
      return (await run(bin, [db, name], { timeout: 10_000 })).stdout;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") return null;
    }
  }
  return null;
}

/**
 * The user INN runs as (inn.conf's runasuser, "news" by default) and its group (runasgroup, else
 * the user's primary group), through NSS (getent): null when there is no such user.
 */
export async function lookupUser(
  user: string,
  group?: string,
): Promise<(RunAsUser & { home: string }) | null> {
  const entry = passwdEntry((await getent("passwd", user)) ?? "");
  if (!entry) return null;
  let gid = entry.gid;
  if (group) {
    const g = await lookupGroup(group);
    if (g !== null) gid = g;
  }
  return { uid: entry.uid, gid, name: user, home: entry.home };
}

/** A group's gid through NSS, or null when there is none. */
export async function lookupGroup(group: string): Promise<number | null> {
  return idFromEntry((await getent("group", group)) ?? "");
}
