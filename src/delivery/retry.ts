/**
 * The retry policy: exponential backoff with jitter, or the wait the service asked for (Retry-After);
 * an article the service refuses for good (a 4xx other than 408/429) is never retried.
 */
import { DeliveryError } from "../notify/http.js";
import { sleep } from "../notify/pace.js";
import { errorMessage } from "../util/errors.js";
import { printable } from "../util/printable.js";

export interface RetryPolicy {
  /** Delay after the first failure; doubles on each further failure. */
  initialMs: number;
  /** Upper bound of one delay. */
  maxMs: number;
  /** Give up on an article after this many attempts; undefined = retry forever (the default). */
  maxAttempts?: number;
  /** Upper bound of a wait a service asks for (Retry-After); default one hour. */
  maxRetryAfterMs?: number;
}

export const DEFAULT_RETRY: RetryPolicy = { initialMs: 1000, maxMs: 60_000 };

/** Exponential, capped, with ±20% jitter so that many queues don't retry in lockstep. */
export function backoff(retry: RetryPolicy, attempt: number, random = Math.random): number {
  const base = Math.min(retry.maxMs, retry.initialMs * 2 ** (attempt - 1));
  return Math.round(Math.min(retry.maxMs, base * (0.8 + 0.4 * random())));
}

/** The service will never take it: not retried. */
export function isRefused(error: unknown): error is DeliveryError {
  return error instanceof DeliveryError && error.permanent;
}

/** The wait before the next attempt: what the service asked for (within bounds), else backoff. */
export function retryDelay(
  retry: RetryPolicy,
  error: unknown,
  attempt: number,
): { ms: number; asked: boolean } {
  const asked = error instanceof DeliveryError ? error.retryAfterMs : undefined;
  if (asked === undefined) return { ms: backoff(retry, attempt), asked: false };
  return { ms: Math.min(Math.max(asked, 100), retry.maxRetryAfterMs ?? 3_600_000), asked: true };
}

/**
 * Delivered; dropped (refused for good, or maxAttempts reached: `why` says which); refused (a batch
 * of several, for the caller to split); or stopped by close().
 */
export type Outcome = "done" | { dropped: string } | "refused" | "closed";

export interface Attempts {
  /** The notifier's label, for the log. */
  label: string;
  retry: RetryPolicy;
  log: (line: string) => void;
  signal: AbortSignal;
  /** After each failed attempt that will be retried: when the next one starts (ms since the epoch). */
  failed?: (retryAt: number) => Promise<void>;
}

/**
 * Attempts `send` until the target takes it, or refuses it for good, or maxAttempts is reached.
 * `what` names it in the log ("<id@host>", "3 articles (batch)"). "refused" is reported (not logged as
 * a drop) only when `several`: the caller then sends them one by one.
 */
export async function attemptUntilDone(
  send: () => Promise<void>,
  what: string,
  several: boolean,
  { label, retry, log, signal, failed }: Attempts,
): Promise<Outcome> {
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) return "closed";
    try {
      await send();
      if (attempt > 1) log(`${label}: delivered ${what} on attempt ${attempt}`);
      return "done";
    } catch (error) {
      if (signal.aborted) return "closed";
      const line = `${label}: attempt ${attempt} failed: ${describe(error)}`;
      if (isRefused(error)) {
        if (several) {
          log(`${line}; refused ${what}: sending them one by one`);
          return "refused";
        }
        log(`${line}; dropped ${what} (refused: not retried)`);
        return { dropped: errorMessage(error) };
      }
      if (retry.maxAttempts !== undefined && attempt >= retry.maxAttempts) {
        log(`${line}; giving up on ${what}`);
        return { dropped: `gave up after ${attempt} attempts: ${errorMessage(error)}` };
      }
      const delay = retryDelay(retry, error, attempt);
      const why = delay.asked ? " (as the service asked)" : "";
      log(`${line}; retrying in ${formatDelay(delay.ms)}${why}`);
      await failed?.(Date.now() + delay.ms);
      if (!(await sleep(delay.ms, signal))) return "closed";
    }
  }
}

function formatDelay(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  return `${Number((ms / 1000).toFixed(1))}s`;
}

function describe(error: unknown): string {
  const message = errorMessage(error);
  return printable(message.replace(/\s*\n\s*/g, " | "));
}
