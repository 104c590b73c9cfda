import type { Article } from "../article/article.js";
import { articleFields } from "./format/fields.js";
import { DEFAULT_LINK } from "./format/link.js";
import { render } from "./format/template.js";
import type { Notifier } from "./notifier.js";
import { articlePayload, payloadJson } from "./payload.js";

export interface StdoutOptions {
  /** Print the JSON payload instead of a readable line. */
  json?: boolean;
  /** Where lines go (a test seam); default process.stdout. */
  stream?: NodeJS.WritableStream;
  /** The readable line as a {field} template instead of the built-in one. */
  template?: string;
  link?: string;
}

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
    const { template, link = DEFAULT_LINK } = options;
    this.#line = template
      ? (a) => printable(render(template, articleFields(a, link), { escape: (v) => v }))
      : formatLine;
  }

  preview(article: Article): unknown {
    return this.#json ? articlePayload(article) : this.#line(article);
  }

  send(article: Article): Promise<void> {
    const line = this.#json ? payloadJson(article) : this.#line(article);
    return new Promise((resolve, reject) => {
      this.#stream.write(`${line}\n`, (error) => (error ? reject(error) : resolve()));
    });
  }
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

/**
 * Text made safe for a terminal and one line: C0/C1 controls (ESC included) and DEL become `\xNN`,
 * Unicode line and direction controls `\uNNNN`; a tab becomes a space.
 */
export function printable(text: string): string {
  return text.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => {
      if (c === "\t") return " ";
      const code = c.charCodeAt(0);
      return code <= 0xff
        ? `\\x${code.toString(16).padStart(2, "0")}`
        : `\\u${code.toString(16).padStart(4, "0")}`;
    },
  );
}
