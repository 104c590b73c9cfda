import { execa } from "execa";
import { z } from "zod";
import type { Article } from "../article/article.js";
import { printable } from "../util/printable.js";
import { defineNotifier, type OptionsOf } from "./definition.js";
import type { Notifier } from "./notifier.js";
import { articlePayload, payloadJson } from "./payload.js";
import { routing, timeoutMs } from "./schema-parts.js";

const schema = z
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

/**
 * `command` is argv: a program and its fixed arguments, never run through a shell (article data goes
 * to stdin only). `timeoutMs` (default 30000): then SIGTERM, and SIGKILL 2 s later.
 */
export type ExecOptions = OptionsOf<typeof schema>;

export const definition = defineNotifier({
  type: "exec",
  schema,
  create: (options) => new ExecNotifier(options),
});

const STDERR_LINES = 3;

/** Runs a program once per article with the JSON payload on its stdin; its stdout is ignored. */
export class ExecNotifier implements Notifier {
  readonly label: string;
  readonly #file: string;
  readonly #args: string[];
  readonly #timeoutMs: number;

  constructor(options: ExecOptions) {
    const [file, ...args] = options.command;
    if (!file) throw new TypeError("exec notifier: command must name a program");
    this.#file = file;
    this.#args = args;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.label = `exec ${printable(file)}`;
  }

  preview(article: Article): unknown {
    return articlePayload(article);
  }

  async send(article: Article, signal?: AbortSignal): Promise<void> {
    const result = await execa(this.#file, this.#args, {
      shell: false,
      input: `${payloadJson(article)}\n`,
      stdout: "ignore",
      timeout: this.#timeoutMs,
      forceKillAfterDelay: 2000,
      cancelSignal: signal,
      reject: false,
    });
    if (!result.failed) return;
    if (result.isCanceled) throw signal?.reason ?? new Error(`${this.label}: cancelled`);
    const stderr = result.stderr
      .split("\n")
      .filter((line) => line.trim() !== "")
      .slice(0, STDERR_LINES)
      .map(printable)
      .join(" | ");
    const tail = stderr ? `: ${stderr}` : "";
    if (result.timedOut) throw new Error(`timed out after ${this.#timeoutMs} ms${tail}`);
    if (result.exitCode !== undefined)
      throw new Error(`exited with code ${result.exitCode}${tail}`);
    if (result.signal) throw new Error(`killed by ${result.signal}${tail}`);
    const why = (result.cause as NodeJS.ErrnoException | undefined)?.code ?? result.shortMessage;
    throw new Error(`cannot run ${printable(this.#file)}: ${why}`);
  }
}
