import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { type RunAsUser, spawnIdentity } from "../util/trusted-program.js";

const run = promisify(execFile);

/** Where this INN answers readers, from inn.conf (`port`, `bindaddress`, `bindaddress6`, `server`). */
export interface NntpServer {
  host: string;
  port: number;
  /** inn.conf's `server` (INN's tools look it up in passwd.nntp); null when unset. */
  name: string | null;
  /** Where these came from, for doctor. */
  source: string;
}

/** innd's defaults: every address, port 119. */
export const DEFAULT_NNTP: NntpServer = {
  host: "127.0.0.1",
  port: 119,
  name: null,
  source: "INN's defaults",
};

/** Pure: `innconfval -s` output (`NAME='value'; export NAME;` lines; unset keys absent) → values. */
export function parseInnconfvalShell(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([A-Z0-9_]+)=(?:'((?:[^']|'\\'')*)'|([^;\s]*));/.exec(line);
    if (m?.[1]) vars.set(m[1], m[2] !== undefined ? m[2].replaceAll("'\\''", "'") : (m[3] ?? ""));
  }
  return vars;
}

/** An address innd binds to all of: connect to loopback. */
const ALL = new Set(["", "all", "any", "0.0.0.0", "::"]);

/**
 * Pure: inn.conf's values → the address to reach innd at. bindaddress unset, `all` or `any` means
 * every IPv4 address (loopback answers); `none` means no IPv4 at all, so bindaddress6 (or ::1).
 */
export function nntpServer(vars: Map<string, string>, source: string): NntpServer {
  const port = Number(vars.get("PORT") ?? 119);
  const v4 = (vars.get("BINDADDRESS") ?? "").trim();
  const v6 = (vars.get("BINDADDRESS6") ?? "").trim();
  let host = "127.0.0.1";
  if (v4.toLowerCase() === "none") host = ALL.has(v6.toLowerCase()) || v6 === "none" ? "::1" : v6;
  else if (!ALL.has(v4.toLowerCase())) host = v4;
  return {
    host,
    port: Number.isInteger(port) && port > 0 && port < 65536 ? port : 119,
    name: vars.get("SERVER") || null,
    source,
  };
}

/** Asks this INN's innconfval (as INN's user when root cannot trust it); INN's defaults without one. */
export async function readNntpServer(
  pathbin: string,
  runAs?: RunAsUser | null,
): Promise<NntpServer> {
  const bin = join(pathbin, "innconfval");
  try {
    const identity = await spawnIdentity(bin, runAs);
    const { stdout } = await run(bin, ["-s", "port", "bindaddress", "bindaddress6", "server"], {
      timeout: 10_000,
      ...identity,
    });
    return nntpServer(parseInnconfvalShell(stdout), `inn.conf (${bin})`);
  } catch (e) {
    return { ...DEFAULT_NNTP, source: `INN's defaults (${bin}: ${(e as Error).message})` };
  }
}
