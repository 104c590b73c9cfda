/**
 * Every notifier type, in the order the config's error messages list them.
 *
 * To add one: write `src/notify/<name>.ts` that exports `definition = defineNotifier({ type, schema,
 * create, ... })` (see definition.ts; shared schema pieces are in schema-parts.ts, URL helpers in
 * url-parts.ts), then import it here and append it to NOTIFIERS. The config schema, `buildNotifiers`,
 * the service URL parser (its `urls`), rate limits and the outbox's target keys all read this list;
 * the compiler checks the definition against its schema. Document it in docs/notifiers.md.
 */
import type { z } from "zod";
import type { NotifierDefinition } from "./definition.js";
import { definition as discord } from "./discord.js";
import { definition as email } from "./email.js";
import { definition as exec } from "./exec.js";
import { definition as gchat } from "./gchat.js";
import { definition as irc } from "./irc.js";
import { definition as matrix } from "./matrix.js";
import { definition as mattermost } from "./mattermost.js";
import { definition as mqtt } from "./mqtt.js";
import { definition as ntfy } from "./ntfy.js";
import { definition as slack } from "./slack.js";
import { definition as stdout } from "./stdout.js";
import { definition as teams } from "./teams.js";
import { definition as telegram } from "./telegram.js";
import { definition as webhook } from "./webhook.js";

export const NOTIFIERS = [
  stdout,
  webhook,
  exec,
  slack,
  mattermost,
  discord,
  ntfy,
  matrix,
  gchat,
  email,
  irc,
  mqtt,
  telegram,
  teams,
] as const;

type Registered = (typeof NOTIFIERS)[number];

/** The type names: "stdout" | "webhook" | ... */
export type NotifierType = Registered["type"];

/** One validated `notifiers:` entry, of any registered type. */
export type NotifierConfig = z.output<Registered["schema"]>;

const BY_TYPE: ReadonlyMap<string, NotifierDefinition> = new Map(
  (NOTIFIERS as readonly NotifierDefinition[]).map((d) => [d.type, d]),
);

/** The definition of a registered type (undefined for anything else). */
export function notifierDefinition(type: unknown): NotifierDefinition | undefined {
  return typeof type === "string" ? BY_TYPE.get(type) : undefined;
}

/** Every schema, in registry order (for the config's discriminated union). */
export const NOTIFIER_SCHEMAS = NOTIFIERS.map((d) => d.schema) as unknown as [
  Registered["schema"],
  ...Registered["schema"][],
];
