/** Helpers for the service URL forms each notifier reads (see its `urls` and notify/url.ts). */
import type { ServiceUrl } from "./definition.js";

export function fail(problem: string): ServiceUrl<never> {
  return { ok: false, problem };
}

export function segments(u: URL): string[] {
  return u.pathname
    .split("/")
    .filter((s) => s !== "")
    .map((s) => decodeURIComponent(s));
}

export const user = (u: URL) => decodeURIComponent(u.username);
export const password = (u: URL) => decodeURIComponent(u.password);
export const hostPort = (u: URL) => (u.port ? `${u.hostname}:${u.port}` : u.hostname);
