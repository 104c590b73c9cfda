import { readFile } from "node:fs/promises";
import { join } from "node:path";

export interface NntpCredentials {
  user: string;
  password: string;
  /** Where they came from (never the password), for messages. */
  source: string;
}

/**
 * Pure: INN's passwd.nntp (`host:user:password[:authtype]`, `#` comments; passwd.nntp(5)) → the
 * credentials of the first line whose host is one of `hosts` (case-insensitive), as INN's own
 * tools (inews, rnews, nntpget) pick theirs. Only AUTHINFO lines: another authtype is skipped.
 */
export function passwdNntpFor(
  text: string,
  hosts: readonly string[],
  source: string,
): NntpCredentials | null {
  const wanted = new Set(hosts.map((h) => h.toLowerCase()));
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r$/, "");
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    const [host, user, password, type] = line.split(":");
    if (host === undefined || user === undefined || password === undefined) continue;
    if (type !== undefined && type.trim() !== "" && type.trim().toLowerCase() !== "authinfo")
      continue;
    if (wanted.has(host.trim().toLowerCase()) && user !== "")
      return { user, password, source: `${source} (${host.trim()})` };
  }
  return null;
}

/** passwd.nntp in INN's pathetc: the credentials for one of `hosts`, none, or why it cannot be read. */
export async function readPasswdNntp(
  etc: string,
  hosts: readonly string[],
): Promise<{ credentials: NntpCredentials | null; problem?: string }> {
  const file = join(etc, "passwd.nntp");
  try {
    return { credentials: passwdNntpFor(await readFile(file, "utf8"), hosts, file) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { credentials: null };
    return { credentials: null, problem: `${file}: ${(e as Error).message}` };
  }
}
