/** How long a service asks us to wait: `Retry-After` (seconds or HTTP-date), or a JSON body's own field. */

/**
 * Milliseconds to wait, or undefined when the answer says nothing usable. Header first (RFC 9110:
 * delay-seconds or an HTTP-date); then Discord's `retry_after` (seconds, fractional), Matrix's
 * `retry_after_ms` and Telegram's `parameters.retry_after` (seconds) in a JSON body.
 */
export function retryAfterMs(
  header: string | null,
  body: string,
  now: number = Date.now(),
): number | undefined {
  const fromHeader = header === null ? undefined : parseRetryAfter(header, now);
  if (fromHeader !== undefined) return fromHeader;
  return fromJsonBody(body);
}

export function parseRetryAfter(value: string, now: number = Date.now()): number | undefined {
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP-date always names a weekday and GMT; a bare number with a dot is no HTTP-date.
  if (!/GMT$/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function fromJsonBody(body: string): number | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const { retry_after, retry_after_ms, parameters } = parsed as Record<string, unknown>;
  if (typeof retry_after === "number" && retry_after >= 0) return Math.ceil(retry_after * 1000);
  if (typeof retry_after_ms === "number" && retry_after_ms >= 0) return Math.ceil(retry_after_ms);
  const telegram = (parameters as { retry_after?: unknown } | null | undefined)?.retry_after;
  if (typeof telegram === "number" && telegram >= 0) return Math.ceil(telegram * 1000);
  return undefined;
}
