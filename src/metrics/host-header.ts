import { isIP } from "node:net";

/**
 * The name in an HTTP Host header, lowercased, without port, brackets or one trailing dot:
 * `[::1]:9464` → `::1`, `Prom.Example.NET.:80` → `prom.example.net`. null when it is not a host.
 */
export function hostName(header: string): string | null {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]/@\s]+))(?::\d{1,5})?$/.exec(header);
  if (!m) return null;
  if (m[1] !== undefined) return isIP(m[1]) === 6 ? m[1].toLowerCase() : null;
  const name = (m[2] ?? "").toLowerCase().replace(/\.$/, "");
  return name === "" ? null : name;
}

/**
 * Whether a request with this Host header may be answered: a defence against DNS rebinding, where a
 * web page at evil.example re-resolves its own name to 127.0.0.1 and reads what the browser fetches
 * from there, with `Host: evil.example`. An IP literal (whichever: the listen address, or the
 * address of a wildcard listener, as Prometheus scrapes it) or `localhost` cannot be a page's
 * origin there, so it passes; any other name only when the admin listed it.
 */
export function hostAllowed(header: string | undefined, names: readonly string[]): boolean {
  if (header === undefined) return false;
  const name = hostName(header);
  if (name === null) return false;
  if (name === "localhost" || isIP(name) !== 0) return true;
  return names.some((n) => n.toLowerCase().replace(/\.$/, "") === name);
}
