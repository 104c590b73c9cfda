import { z } from "zod";
import type { Article } from "../article/article.js";
import { printable } from "../util/printable.js";
import { defineNotifier, type OptionsOf } from "./definition.js";
import { articleFields } from "./format/fields.js";
import { DEFAULT_LINK } from "./format/link.js";
import { render } from "./format/template.js";
import { DeliveryError } from "./http.js";
import type { Notifier } from "./notifier.js";
import { articlePayload, payloadJson } from "./payload.js";
import { linkPattern, routing, template } from "./schema-parts.js";

const schema = z
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

export type StdoutOptions = OptionsOf<typeof schema> & {
  /** Where lines go (a test seam); default process.stdout. */
  stream?: NodeJS.WritableStream;
};

export const definition = defineNotifier({
  type: "stdout",
  schema,
  create: (options, io) => new StdoutNotifier({ ...options, stream: io.stdout }),
});

const MAX_SUBJECT = 200;

/** One line per article on a stream: readable by default, the JSON payload with `json`. */
export class StdoutNotifier implements Notifier {
  readonly label: string;
  readonly #json: boolean;
  readonly #stream: NodeJS.WritableStream;
  readonly #line: (a: Article) => string;

  constructor(options: StdoutOptions = {}) {
    this.#json = options.json ?? false;
    this.#stream = options.stream ?? process.stdout;
    this.label = this.#json ? "stdout (json)" : "stdout";
    this.#stream.on("error", this.#onError);
    const { template, link = DEFAULT_LINK } = options;
    this.#line = template
      ? (a) => printable(render(template, articleFields(a, link), { escape: (v) => v }))
      : formatLine;
  }

  preview(article: Article): unknown {
    return this.#json ? articlePayload(article) : this.#line(article);
  }

  /**
   * A reader that went away (`newsnotify watch | head -n1`: EPIPE) ends this notifier alone: the
   * send that meets it fails once, for good (one log line), and later ones are dropped silently;
   * the stream's own 'error' event is handled, so it never ends the process and the other notifiers.
   */
  send(article: Article): Promise<void> {
    if (this.#reported) return Promise.resolve();
    if (this.#closed) return Promise.reject(this.#gone(this.#closed));
    const line = this.#json ? payloadJson(article) : this.#line(article);
    return new Promise((resolve, reject) => {
      this.#stream.write(`${line}\n`, (error) => {
        if (!error || this.#reported) return resolve();
        reject(this.#gone(this.#closed ?? error));
      });
    });
  }

  /** The stream's first error (EPIPE); and whether its one log line (a refusal) was given. */
  #closed: Error | null = null;
  #reported = false;

  #gone(error: Error): DeliveryError {
    this.#closed ??= error;
    this.#reported = true;
    const code = (error as NodeJS.ErrnoException).code ?? error.message;
    return new DeliveryError(
      `${this.label} is closed (${code}: its reader went away); nothing more is written there, the other notifiers go on`,
      true,
    );
  }

  #onError = (error: Error): void => {
    this.#closed ??= error;
  };
}

/** e.g. `local.test  <id@example.net>  "Subject"  — Name <user@example.net>`; always one safe line. */
export function formatLine(a: Article): string {
  const groups = a.newsgroups.length > 0 ? a.newsgroups.join(",") : a.group;
  const subject =
    [...a.subject].length > MAX_SUBJECT
      ? `${[...a.subject].slice(0, MAX_SUBJECT).join("")}…`
      : a.subject;
  const { name, address } = a.from;
  const from =
    name && address ? `${name} <${address}>` : name || (address ? `<${address}>` : "(unknown)");
  const control = a.control === null ? "" : `  [control: ${a.control}]`;
  return printable(`${groups}  ${a.messageId}  "${subject}"  — ${from}${control}`);
}
