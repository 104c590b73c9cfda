/**
 * Pieces of the notifier schemas that several types share: which articles (routing), how to reach an
 * HTTP service (timeout, rate limit), how the message looks (template, link), checked strings.
 */
import { z } from "zod";
import { wildmatProblem } from "../inn/wildmat.js";
import { CONTROL_TYPES } from "./control.js";
import { digestSchema } from "./digest.js";
import { LINK_FIELDS } from "./format/link.js";
import { FIELDS, templateProblem } from "./format/template.js";
import { filterProblem } from "./route.js";

export const timeoutMs = (fallback: number) =>
  z
    .int()
    .min(1)
    .max(3_600_000)
    .default(fallback)
    .describe(`Timeout in milliseconds (default ${fallback}).`);

export const httpUrl = (what: string) =>
  z.url({ protocol: /^https?$/, error: "expected an http(s) URL" }).describe(what);

/** No control characters (CR/LF would split a header line). */
export const headerValue = z
  .string()
  // biome-ignore lint/suspicious/noControlCharactersInRegex: header values must not smuggle line breaks
  .regex(/^[^\u0000-\u0008\u000a-\u001f\u007f]*$/, "must not contain control characters");

const checked = (problem: (s: string) => string | undefined) =>
  z.string().superRefine((value, ctx) => {
    const message = problem(value);
    if (message) ctx.addIssue({ code: "custom", message, input: value });
  });

export const template = checked((t) => templateProblem(t, FIELDS)).describe(
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

const controlTypes = z.array(z.enum(CONTROL_TYPES)).min(1);
/** `control:` (notify/control.ts): true, "only", a list of types, or {types, only}. */
const controlSchema = z
  .union(
    [
      z.boolean(),
      z.literal("only"),
      controlTypes,
      z.strictObject({ types: controlTypes.optional(), only: z.boolean().optional() }),
    ],
    {
      error: () =>
        `expected true, false, only, a list of control types or {types: [...], only: true}; types: ${CONTROL_TYPES.join(", ")}`,
    },
  )
  .describe(
    "Control messages: true (all, cancels included, besides articles); a list of types " +
      "([newgroup, rmgroup, checkgroups]: those, besides articles); only, or {types, only: true}: " +
      "control messages alone (cancels only when listed). Default none.",
  );

/** Which articles a notifier gets, and how many may wait for it; every type has these. */
export const routing = {
  groups: checked(wildmatProblem)
    .optional()
    .describe(
      'INN wildmat over the Newsgroups header, as in newsfeeds: "comp.*,!comp.lang.*"; default "*".',
    ),
  from: filter("From (name <address>)").optional(),
  subject: filter("Subject").optional(),
  control: controlSchema.optional(),
  junk: z.boolean().optional().describe("Also articles innd filed in junk; default false."),
  digest: digestSchema.optional(),
  maxBacklog: z
    .int()
    .min(1)
    .max(100_000_000)
    .optional()
    .describe(
      "At most this many notifications wait for this notifier: past it the oldest are dropped and " +
        "one message says how many (delivery/overflow.ts). Default: no cap, none dropped.",
    ),
};

export const http = {
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

export const formatting = {
  template: template.optional(),
  link: linkPattern.optional(),
};

export const name = (what: string) => z.string().min(1).max(80).optional().describe(what);

/**
 * The shared keys that say how or what to send, not where, wherever they appear: changing them keeps
 * a notifier's pending work (see delivery/targets.ts). A type adds its own in `presentation`.
 */
export const PRESENTATION_KEYS: readonly string[] = [
  ...Object.keys(formatting),
  ...Object.keys(routing),
  ...Object.keys(http),
];
