/** The config file (YAML or JSON): one schema with a description and default per key, all problems at once. */

import { readFile } from "node:fs/promises";
import { posix } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { SOURCE_NAMES } from "../sources/registry.js";
import { ConfigError } from "../util/errors.js";
import { parseListen } from "../util/listen.js";
import { clusterSchema } from "./cluster.js";
import { checkConfigFile } from "./file-trust.js";
import { catchUpNntpSchema } from "./nntp.js";
import {
  inheritLink,
  linkPattern,
  type NotifierConfig,
  notifierEntry,
  notifierKeys,
} from "./notifiers.js";
import { describeIssue } from "./problems.js";

/** Defaults that come from INN (`innconfval`), read by the caller. */
export interface ConfigDefaults {
  spool: string;
  activeFile: string;
}

/** Absolute, and safe to put inside a double-quoted bpftrace string. */
const absolutePath = z
  .string()
  .refine((p) => posix.isAbsolute(p), "expected an absolute path")
  .refine(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
    (p) => !/["\\\u0000-\u001f\u007f]/.test(p),
    "must not contain a double quote, a backslash or a control character",
  );

/** `metrics: { listen, allowRemote, hosts }`: the /metrics endpoint, on loopback unless explicitly allowed. */
const metricsSchema = z
  .strictObject({
    listen: z
      .string()
      .default("127.0.0.1:9464")
      .describe(
        "HOST:PORT to serve /metrics on (an IP literal or localhost; port 0: any free one).",
      ),
    allowRemote: z
      .boolean()
      .default(false)
      .describe("Allow a non-loopback listen address (the metrics name notifiers and groups)."),
    hosts: z
      .array(z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/, "expected a host name"))
      .default([])
      .describe(
        "Host names scrapers use for this endpoint besides IP addresses and localhost (any other Host header gets 421: DNS rebinding).",
      ),
  })
  .superRefine((m, ctx) => {
    const at = parseListen(m.listen);
    if (typeof at === "string") ctx.addIssue({ code: "custom", path: ["listen"], message: at });
    else if (!at.loopback && !m.allowRemote) {
      ctx.addIssue({
        code: "custom",
        path: ["listen"],
        message: `${m.listen} is not a loopback address; set metrics.allowRemote: true to serve metrics beyond this host`,
      });
    }
  });

/** The schema; INN's paths are its defaults, and they are validated like values from the file. */
export function configSchema(defaults: ConfigDefaults) {
  return z.strictObject({
    mode: z
      .enum(["auto", ...SOURCE_NAMES])
      .default("auto")
      .describe(
        `How to see innd store articles: ${SOURCE_NAMES.join(", ")}, or auto (reads storage.conf; see the README's modes).`,
      ),
    process: z
      .string()
      .regex(
        /^[A-Za-z0-9._+-]{1,15}$/,
        "expected a process name (comm): 1 to 15 characters from A-Z a-z 0-9 . _ + -",
      )
      .default("innd")
      .describe("Process name (comm) of innd; goes into the bpftrace program."),
    spool: absolutePath
      .prefault(defaults.spool)
      .describe("INN's article spool (innconfval patharticles)."),
    activeFile: absolutePath
      .prefault(defaults.activeFile)
      .describe("INN's active file (innconfval pathdb + /active)."),
    bpftrace: z
      .array(z.string().min(1, "must not be empty"))
      .min(1, 'expected a non-empty argv prefix, e.g. ["sudo", "-n", "bpftrace"]')
      .default(["bpftrace"])
      .describe('Argv prefix that runs bpftrace, e.g. ["sudo", "-n", "bpftrace"].'),
    depthMargin: z
      .int()
      .min(1)
      .max(50)
      .default(4)
      .describe("Directory levels traced beyond the deepest group in the active file."),
    snippetChars: z
      .int()
      .min(0)
      .max(4000)
      .default(300)
      .describe("Characters of body text in the snippet."),
    maxArticleBytes: z
      .int()
      .min(4096)
      .max(1 << 30)
      .default(1_048_576)
      .describe("Read at most this many bytes of an article; the rest is marked truncated."),
    completeTimeoutMs: z
      .int()
      .min(1)
      .max(3_600_000)
      .default(5000)
      .describe("How long to wait for innd to finish writing a created article file."),
    stateDir: absolutePath
      .default("/var/lib/newsnotify")
      .describe("Where the outbox and the per-group high-water marks live (created 0700)."),
    catchUp: z
      .strictObject({
        maxArticles: z
          .int()
          .min(0)
          .max(1_000_000)
          .default(1000)
          .describe(
            "At start, notify at most this many of the articles filed while stopped (the newest).",
          ),
        maxAgeMinutes: z
          .int()
          .min(1)
          .default(1440)
          .describe("Missed articles older than this are not notified."),
        intervalSeconds: z
          .int()
          .min(5)
          .max(86_400)
          .default(60)
          .describe("How often the spool is reconciled against what was traced."),
        nntp: catchUpNntpSchema()
          .optional()
          .describe(
            "The local server for groups not stored by tradspool: host, port, user, password, passwdNntp.",
          ),
      })
      .prefault({})
      .describe("Catch-up of articles filed while newsnotify was stopped or bpftrace lost events."),
    notifiers: z
      .array(notifierEntry())
      .min(1, "expected at least one notifier (leave the key out for the default stdout one)")
      .default([{ type: "stdout", json: false }])
      .describe(
        "Where each article goes, each with its own retrying queue: a mapping with a type, or a " +
          "service URL such as slack://... (see docs/notifiers.md).",
      ),
    metrics: metricsSchema
      .optional()
      .describe(
        "Serve Prometheus metrics at http://LISTEN/metrics (off unless set; loopback only unless allowRemote).",
      ),
    cluster: clusterSchema()
      .optional()
      .describe(
        "Several news servers, one notification per article: the delivery queue shared on PostgreSQL (see docs/cluster.md).",
      ),
    link: linkPattern
      .optional()
      .describe(
        "Default link pattern for every notifier that shows a link, e.g. " +
          "https://archive.example/{messageIdEncoded}; default news:{messageIdBare}.",
      ),
  });
}

export type Config = z.output<ReturnType<typeof configSchema>>;
export type { NotifierConfig };

/** Reads, parses and validates `file` (YAML or JSON); no file means all defaults. Throws ConfigError. */
export async function loadConfig(
  file: string | undefined,
  defaults: ConfigDefaults,
): Promise<Config> {
  if (file === undefined) return parseConfig({}, defaults, "<defaults>");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new ConfigError([`${file}: cannot read: ${(error as Error).message}`], { cause: error });
  }
  await checkConfigFile(file);
  return parseConfig(parseYaml(text, file), defaults, file);
}

/**
 * Only the state directory (for `status`): the rest of the file is not validated, so that secrets it
 * takes from the environment (`${env:…}`, set for the service only) need not be set in this shell.
 */
export async function loadStateDir(file: string | undefined): Promise<string> {
  const key = configSchema({ spool: "/", activeFile: "/" }).shape.stateDir;
  if (file === undefined) return key.parse(undefined);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new ConfigError([`${file}: cannot read: ${(error as Error).message}`], { cause: error });
  }
  const input = parseYaml(text, file) as { stateDir?: unknown } | null;
  const result = key.safeParse(typeof input === "object" && input ? input.stateDir : undefined);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((i) => `${file}: stateDir: ${i.message}`));
}

/** YAML is a superset of JSON, so one parser serves both; syntax errors carry line and column. */
function parseYaml(text: string, file: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return `${file}: line ${line}, column ${col}: ${firstLine(error.message)}`;
      }),
    );
  }
  try {
    return doc.toJS() ?? {};
  } catch (error) {
    throw new ConfigError([`${file}: ${firstLine((error as Error).message)}`], { cause: error });
  }
}

function parseConfig(input: unknown, defaults: ConfigDefaults, file: string): Config {
  const result = configSchema(defaults).safeParse(input, { reportInput: true });
  if (result.success) {
    return { ...result.data, notifiers: inheritLink(result.data.notifiers, result.data.link) };
  }
  const keysAt = (path: PropertyKey[]) => knownKeys(path, input);
  const problems = result.error.issues.flatMap((issue) =>
    describeIssue(issue, keysAt).map((line) => `${file}: ${line}${fromInn(issue.path, input)}`),
  );
  throw new ConfigError(problems, { cause: result.error });
}

/** A bad spool or activeFile the file did not set came from innconfval: say so, and how to fix it. */
function fromInn(path: PropertyKey[], input: unknown): string {
  const key = path[0];
  if (path.length !== 1 || (key !== "spool" && key !== "activeFile")) return "";
  if (typeof input === "object" && input !== null && key in input) return "";
  return ` (default from INN's innconfval; set ${key} in the config file)`;
}

/** The keys the object at `path` may have: top level, or a notifier of the type the file gave it. */
function knownKeys(path: PropertyKey[], input: unknown): string[] {
  if (path.length === 0) return Object.keys(configSchema({ spool: "/", activeFile: "/" }).shape);
  if (path.length === 2 && path[0] === "notifiers") {
    const entries = (input as { notifiers?: Record<PropertyKey, unknown> }).notifiers;
    return notifierKeys(entries?.[path[1] as number]);
  }
  return [];
}

function firstLine(message: string): string {
  return message.split("\n", 1)[0] ?? message;
}
