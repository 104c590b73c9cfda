/**
 * What a notifier type is, in one object: its config schema, how to build it, its service URL forms,
 * its rate limit, and which of its keys are presentation only. notify/registry.ts lists them; the config
 * union, buildNotifiers, the URL parser and the outbox's target keys all read that list.
 */
import type { z } from "zod";
import type { Notifier } from "./notifier.js";

export interface NotifierIo {
  /** Where stdout notifiers write (a test seam); default process.stdout. */
  stdout?: NodeJS.WritableStream;
}

/** A `notifiers:` entry's schema: a strict object whose `type` is the notifier's name. */
export type NotifierSchema<T extends string = string> = z.ZodObject & {
  shape: { type: z.ZodLiteral<T> };
};

/** A service URL (slack://...) read into a config entry; problems never repeat the URL (secrets). */
export type ServiceUrl<Entry = Record<string, unknown>> =
  | { ok: true; entry: Entry }
  | { ok: false; problem: string };

/** Reads one URL form; `secure` is set for the scheme's trailing-"s" variant (mmosts://, ntfys://). */
export type ServiceUrlParser<Entry = Record<string, unknown>> = (
  u: URL,
  secure: boolean,
) => ServiceUrl<Entry>;

/**
 * A notifier's options: its config entry without `type`. Keys with a default may be left out (the
 * constructor applies the same default), as tests and direct callers do.
 */
export type OptionsOf<S extends z.ZodType> = Omit<z.input<S>, "type">;

export interface NotifierDefinition<
  T extends string = string,
  S extends NotifierSchema<T> = NotifierSchema<T>,
> {
  /** The `type:` in the config file. */
  readonly type: T;
  /** The config entry; must be a strict object with `type: z.literal(type)`. */
  readonly schema: S;
  /** One notifier from a validated entry. */
  create(options: z.output<S>, io: NotifierIo): Notifier;
  /** Service URL forms by scheme (without "://"), documented in docs/notifiers.md. */
  readonly urls?: Readonly<Record<string, ServiceUrlParser<z.input<S>>>>;
  /**
   * The target its rate limit is kept per, so that entries on one target share one: absent for
   * notifiers that are not rate limited (no `rateLimitPerSecond`).
   */
  paceKey?(options: z.output<S>): string;
  /** Messages per second when the entry sets no `rateLimitPerSecond` (the service's documented limit). */
  readonly defaultRate?: number;
  /**
   * Its own keys that say how or what to send, not where (beyond the shared ones in schema-parts.ts):
   * changing them keeps the notifier's pending work in the outbox.
   */
  readonly presentation?: readonly (keyof z.output<S> & string)[];
}

/** Checks a definition against its schema (the compiler infers both from the object) and returns it. */
export function defineNotifier<const T extends string, S extends NotifierSchema<T>>(
  definition: NotifierDefinition<T, S>,
): NotifierDefinition<T, S> {
  return definition;
}

/** An http(s) URL as a pace key: origin and path, without the query (which may hold a token). */
export function urlTarget(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}
