import { spawn } from "node:child_process";
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
/** Of a failing program's stderr, this much is kept (the rest is read and dropped) and each line cut to LINE_CHARS. */
const STDERR_KEEP = 8192;
const LINE_CHARS = 300;
/** After SIGTERM to its process group, SIGKILL this much later. */
const KILL_AFTER_MS = 2000;
/** After the program exited, how long its pipe may stay open (a child it left behind holds it). */
const PIPE_GRACE_MS = 1000;

/**
 * Runs a program once per article with the JSON payload on its stdin; its stdout is ignored.
 *
 * The program runs in a process group of its own, so that a timeout (or newsnotify stopping) kills
 * everything it started, not only itself: a shell script's `sleep` left holding the pipe can no
 * longer keep the notifier waiting for good. Of its stderr, 8 KB are kept for the log (3 lines of at
 * most 300 characters); a program that writes 100 MB costs neither memory nor log. A failure is
 * retried by the dispatcher with its backoff.
 */
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
    if (signal?.aborted) throw signal.reason;
    const r = await runGroup(this.#file, this.#args, `${payloadJson(article)}\n`, {
      timeoutMs: this.#timeoutMs,
      signal,
    });
    if (r.kind === "ok") return;
    if (r.kind === "aborted") throw signal?.reason ?? new Error(`${this.label}: cancelled`);
    if (r.kind === "spawn") throw new Error(`cannot run ${printable(this.#file)}: ${r.code}`);
    const lines = r.stderr
      .split("\n")
      .filter((line) => line.trim() !== "")
      .slice(0, STDERR_LINES)
      .map((line) => printable(line.length > LINE_CHARS ? `${line.slice(0, LINE_CHARS)}…` : line));
    const more =
      r.stderrBytes > STDERR_KEEP
        ? ` (+${r.stderrBytes - STDERR_KEEP} bytes of stderr not shown)`
        : "";
    const tail = lines.length > 0 ? `: ${lines.join(" | ")}${more}` : "";
    if (r.kind === "timeout") throw new Error(`timed out after ${this.#timeoutMs} ms${tail}`);
    if (r.code !== null) throw new Error(`exited with code ${r.code}${tail}`);
    throw new Error(`killed by ${r.signal}${tail}`);
  }
}

type Run =
  | { kind: "ok" }
  | { kind: "aborted" }
  | { kind: "spawn"; code: string }
  | {
      kind: "failed" | "timeout";
      code: number | null;
      signal: NodeJS.Signals | null;
      stderr: string;
      stderrBytes: number;
    };

/** Every process group started and not yet gone: killed if newsnotify exits meanwhile. */
const running = new Set<number>();
process.once("exit", () => {
  for (const pgid of running) killGroup(pgid, "SIGKILL");
});

function killGroup(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    // Gone already.
  }
}

/**
 * Spawns `file args` as the leader of a new process group, writes `input` to its stdin, keeps the
 * first STDERR_KEEP bytes of its stderr. On timeout or abort the whole group gets SIGTERM, then
 * SIGKILL; once the program exited, its stderr pipe is waited for PIPE_GRACE_MS at most.
 */
function runGroup(
  file: string,
  args: string[],
  input: string,
  o: { timeoutMs: number; signal?: AbortSignal },
): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { detached: true, stdio: ["pipe", "ignore", "pipe"] });
    const pgid = child.pid;
    const kept: Buffer[] = [];
    let bytes = 0;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    let why: "timeout" | "aborted" | null = null;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const settle = (r: Run) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      o.signal?.removeEventListener("abort", onAbort);
      if (pgid) running.delete(pgid);
      child.stderr?.destroy();
      resolve(r);
    };
    const done = () => {
      if (!exit) return;
      if (why === "aborted") return settle({ kind: "aborted" });
      const failed = why === "timeout" || exit.code !== 0;
      if (!failed) return settle({ kind: "ok" });
      const stderr = Buffer.concat(kept).toString("utf8");
      settle({ kind: why ?? "failed", ...exit, stderr, stderrBytes: bytes });
    };
    const stop = (reason: "timeout" | "aborted") => {
      why ??= reason;
      if (!pgid) return;
      killGroup(pgid, "SIGTERM");
      timers.push(setTimeout(() => killGroup(pgid, "SIGKILL"), KILL_AFTER_MS));
    };
    const onAbort = () => stop("aborted");
    child.once("error", (e: NodeJS.ErrnoException) => {
      if (!exit) settle({ kind: "spawn", code: e.code ?? e.message });
    });
    if (!pgid) return;
    running.add(pgid);
    o.signal?.addEventListener("abort", onAbort, { once: true });
    timers.push(setTimeout(() => stop("timeout"), o.timeoutMs));
    child.stdin?.on("error", () => {}); // a program that does not read its stdin (EPIPE)
    child.stdin?.end(input);
    child.stderr?.on("data", (chunk: Buffer) => {
      if (bytes < STDERR_KEEP) kept.push(chunk.subarray(0, STDERR_KEEP - bytes));
      bytes += chunk.length;
    });
    let piped = true;
    child.stderr?.on("close", () => {
      piped = false;
      done();
    });
    child.once("exit", (code, sig) => {
      exit = { code, signal: sig };
      // A child it left behind may hold the pipe: wait for it a little, not for good.
      if (!piped) done();
      else timers.push(setTimeout(done, PIPE_GRACE_MS));
    });
  });
}
