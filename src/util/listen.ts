import { isIP } from "node:net";

export interface ListenAddress {
  /** An IP literal (IPv6 without brackets). */
  host: string;
  /** 0: any free port (the one chosen is logged and written to status.json). */
  port: number;
  loopback: boolean;
}

/**
 * `HOST:PORT` with an IP literal (`[::1]:9464` for IPv6) or `localhost` (taken as 127.0.0.1, so the
 * address never depends on name resolution). Returns a problem string when it is not one.
 */
export function parseListen(text: string): ListenAddress | string {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (!m) return 'expected HOST:PORT, e.g. "127.0.0.1:9464" or "[::1]:9464"';
  const port = Number(m[3]);
  if (port > 65535) return `port ${port} is out of range (0-65535)`;
  const raw = m[1] ?? m[2] ?? "";
  const host = raw === "localhost" ? "127.0.0.1" : raw;
  const family = isIP(host);
  if (family === 0) return `${raw} is not an IP address (or localhost)`;
  if (m[2] !== undefined && family === 6) return "put an IPv6 address in brackets: [::1]:9464";
  return { host, port, loopback: isLoopback(host) };
}

export function isLoopback(host: string): boolean {
  if (isIP(host) === 4) return host.startsWith("127.");
  const h = host.toLowerCase();
  return h === "::1" || h === "0:0:0:0:0:0:0:1" || /^::ffff:127\./.test(h);
}
