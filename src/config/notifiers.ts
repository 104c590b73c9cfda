/**
 * The `notifiers:` entries: one schema per type, plus the two shorthands (a service URL instead of a
 * mapping, and `${env:NAME}` in any string) undone before validation.
 */
import { z } from "zod";
import { LINK_FIELDS } from "../notify/format/link.js";
import { FIELDS, templateProblem } from "../notify/format/template.js";
import { filterProblem } from "../notify/route.js";
import { parseServiceUrl, serviceScheme } from "../notify/url.js";
import { wildmatProblem } from "../notify/wildmat.js";
import { expandEnv } from "./env.js";

const timeoutMs = (fallback: number) =>
  z
    .int()
    .min(1)
    .max(3_600_000)
    .default(fallback)
    .describe(`Timeout in milliseconds (default ${fallback}).`);

const httpUrl = (what: string) =>
  z.url({ protocol: /^https?$/, error: "expected an http(s) URL" }).describe(what);

/** No control characters (CR/LF would split a header line). */
const headerValue = z
  .string()
  // biome-ignore lint/suspicious/noControlCharactersInRegex: header values must not smuggle line breaks
  .regex(/^[^\u0000-\u0008\u000a-\u001f\u007f]*$/, "must not contain control characters");

const checked = (problem: (s: string) => string | undefined) =>
  z.string().superRefine((value, ctx) => {
    const message = problem(value);
    if (message) ctx.addIssue({ code: "custom", message, input: value });
  });

const template = checked((t) => templateProblem(t, FIELDS)).describe(
  `Message text with {field} placeholders: ${FIELDS.join(", ")}. {{ and }} are literal braces.`,
);

/** A link pattern; shared with the top-level `link` key. */
export const linkPattern = checked((t) => templateProblem(t, LINK_FIELDS)).describe(
  `The article's link, with ${LINK_FIELDS.map((f) => `{${f}}`).join(" ")} (values are percent-encoded); ` +
    "default news:{messageIdBare}.",
);

const filter = (what: string) =>
  checked(filterProblem).describe(
    `Only articles whose ${what} contains this (case-insensitive), or matches /regex/flags.`,
  );

/** Which articles a notifier gets; every type has these. */
const routing = {
  groups: checked(wildmatProblem)
    .optional()
    .describe(
      'INN wildmat over the Newsgroups header, as in newsfeeds: "comp.*,!comp.lang.*"; default "*".',
    ),
  from: filter("From (name <address>)").optional(),
  subject: filter("Subject").optional(),
  control: z
    .boolean()
    .optional()
    .describe("Also control messages (cancel, newgroup, ...); default false."),
  junk: z.boolean().optional().describe("Also articles innd filed in junk; default false."),
};

const http = {
  timeoutMs: timeoutMs(10_000),
  rateLimitPerSecond: z
    .number()
    .min(0)
    .max(100)
    .optional()
    .describe(
      "At most this many messages per second to this URL (0 = no limit); defaults per service.",
    ),
};

const formatting = {
  template: template.optional(),
  link: linkPattern.optional(),
};

const name = (what: string) => z.string().min(1).max(80).optional().describe(what);

const stdoutNotifier = z
  .strictObject({
    type: z.literal("stdout"),
    json: z
      .boolean()
      .default(false)
      .describe("Print the JSON payload, one line per article, instead of a readable line."),
    template: template.optional(),
    link: linkPattern.optional(),
    ...routing,
  })
  .describe("Print one line per article on standard output.");

const webhookNotifier = z
  .strictObject({
    type: z.literal("webhook"),
    url: httpUrl("Where to POST the JSON payload."),
    headers: z
      .record(
        z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "expected an HTTP header name"),
        headerValue,
      )
      .optional()
      .describe("Extra request headers, e.g. Authorization. Never logged."),
    batch: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .optional()
      .describe(
        'Up to this many articles per request when several are waiting (default 1: one request per article, its payload as the body). Above 1 the body is always {"articles": [payload, ...]}.',
      ),
    ...http,
    ...routing,
  })
  .describe("POST the JSON payload to a URL.");

const execNotifier = z
  .strictObject({
    type: z.literal("exec"),
    command: z
      .array(z.string())
      .min(1, "expected a non-empty argv array, e.g. [/usr/local/bin/on-article, --quiet]")
      .refine((argv) => argv.every((arg) => !arg.includes("\0")), "must not contain NUL")
      .refine((argv) => (argv[0] ?? "x") !== "", "argv[0] must name a program")
      .describe(
        "Program and arguments (argv, never run through a shell); the JSON payload is its stdin.",
      ),
    timeoutMs: timeoutMs(30_000),
    ...routing,
  })
  .describe("Run a program with the JSON payload on its standard input.");

const slackNotifier = z
  .strictObject({
    type: z.literal("slack"),
    url: httpUrl("The incoming webhook URL (https://hooks.slack.com/services/...)."),
    username: name("Poster name (legacy webhooks only)."),
    ...formatting,
    ...http,
    ...routing,
  })
  .describe("Slack incoming webhook: text plus Block Kit.");

const mattermostNotifier = z
  .strictObject({
    type: z.literal("mattermost"),
    url: httpUrl("The incoming webhook URL (https://host/hooks/...)."),
    username: name("Poster name, if the server allows overriding it."),
    channel: name("Channel name, if not the webhook's own."),
    iconUrl: httpUrl("Poster icon.").optional(),
    ...formatting,
    ...http,
    ...routing,
  })
  .describe("Mattermost incoming webhook (Markdown text).");

const discordNotifier = z
  .strictObject({
    type: z.literal("discord"),
    url: httpUrl("The webhook URL (https://discord.com/api/webhooks/ID/TOKEN)."),
    username: name("Poster name instead of the webhook's."),
    avatarUrl: httpUrl("Poster avatar instead of the webhook's.").optional(),
    ...formatting,
    ...http,
    ...routing,
  })
  .describe("Discord webhook: one embed per article, no mentions.");

const ntfyNotifier = z
  .strictObject({
    type: z.literal("ntfy"),
    url: httpUrl("The topic URL, e.g. https://ntfy.sh/my-news-topic."),
    token: headerValue.min(1).optional().describe("Access token (tk_...)."),
    username: headerValue.optional().describe("User for Basic authentication."),
    password: headerValue.optional().describe("Password for Basic authentication."),
    priority: z.int().min(1).max(5).optional().describe("1 (min) to 5 (max); ntfy's default is 3."),
    tags: z
      .array(z.string().regex(/^[^,\s]+$/, "expected a tag or emoji short code without commas"))
      .optional()
      .describe('Tags or emoji short codes; default ["newspaper"].'),
    ...formatting,
    ...http,
    ...routing,
  })
  .describe("ntfy (ntfy.sh or your own server), JSON publishing.");

const matrixNotifier = z
  .strictObject({
    type: z.literal("matrix"),
    url: httpUrl("The homeserver's client-server API base, e.g. https://matrix.example.org."),
    room: z
      .string()
      .regex(/^![^:\s]+:\S+$/, "expected a room ID such as !abcdef:example.org (not an alias)")
      .describe("Room ID (Room settings → Advanced)."),
    accessToken: headerValue.min(1).describe("The bot user's access token."),
    msgtype: z.enum(["m.text", "m.notice"]).optional().describe("m.text (default) or m.notice."),
    htmlTemplate: template
      .optional()
      .describe("HTML for formatted_body, same {fields} as template."),
    ...formatting,
    ...http,
    ...routing,
  })
  .describe("Matrix room, through the client-server API.");

const gchatNotifier = z
  .strictObject({
    type: z.literal("gchat"),
    url: httpUrl(
      "The space's webhook URL (https://chat.googleapis.com/v1/spaces/.../messages?key=...&token=...).",
    ),
    ...formatting,
    ...http,
    ...routing,
  })
  .describe("Google Chat incoming webhook, as a card.");

export const notifierSchema = z.discriminatedUnion("type", [
  stdoutNotifier,
  webhookNotifier,
  execNotifier,
  slackNotifier,
  mattermostNotifier,
  discordNotifier,
  ntfyNotifier,
  matrixNotifier,
  gchatNotifier,
]);

export type NotifierConfig = z.output<typeof notifierSchema>;

const SHAPES: Record<string, string[]> = Object.fromEntries(
  notifierSchema.options.map((o) => [o.shape.type.value, Object.keys(o.shape)]),
);

/** The keys an entry may have (for "did you mean" hints): those of its type, given or implied by its URL. */
export function notifierKeys(entry: unknown): string[] {
  if (typeof entry === "string") return [];
  const e = (entry ?? {}) as { type?: unknown; url?: unknown };
  let type = e.type;
  if (type === undefined && typeof e.url === "string") {
    const parsed = parseServiceUrl(e.url);
    if (parsed.ok) type = parsed.entry.type;
  }
  return SHAPES[String(type)] ?? [];
}

/**
 * One `notifiers:` entry. `${env:NAME}` is expanded in every string first; then a URL string, or a
 * mapping whose `url` is a service URL (slack://...), becomes the full mapping.
 */
export function notifierEntry(env: NodeJS.ProcessEnv = process.env) {
  return z.preprocess((input, ctx) => {
    const { value, problems } = expandEnv(input, env);
    for (const p of problems)
      ctx.addIssue({ code: "custom", message: p.message, path: p.path, input });
    if (problems.length > 0) return input;
    const problem = (message: string, path: PropertyKey[]) => {
      ctx.addIssue({ code: "custom", message, path, input });
      return input;
    };
    if (typeof value === "string") {
      const parsed = parseServiceUrl(value);
      return parsed.ok ? parsed.entry : problem(parsed.problem, []);
    }
    const entry = value as Record<string, unknown> | null;
    if (typeof entry?.url !== "string" || !serviceScheme(entry.url)) return value;
    if (/^https?:/i.test(entry.url)) return value;
    const parsed = parseServiceUrl(entry.url);
    if (!parsed.ok) return problem(parsed.problem, ["url"]);
    if (entry.type !== undefined && entry.type !== parsed.entry.type) {
      return problem(`a ${String(parsed.entry.type)} URL in a ${String(entry.type)} notifier`, [
        "url",
      ]);
    }
    // The mapping's own keys win; headers from the URL and the mapping are merged.
    const headers = { ...(parsed.entry.headers as object), ...(entry.headers as object) };
    const merged: Record<string, unknown> = { ...parsed.entry, ...entry, url: parsed.entry.url };
    if (Object.keys(headers).length > 0) merged.headers = headers;
    return merged;
  }, notifierSchema);
}

/** Notifiers without their own `link` get the top-level one (webhook and exec carry no link). */
export function inheritLink(
  notifiers: NotifierConfig[],
  link: string | undefined,
): NotifierConfig[] {
  if (link === undefined) return notifiers;
  return notifiers.map((n) =>
    n.type === "webhook" || n.type === "exec" || n.link !== undefined ? n : { ...n, link },
  );
}
