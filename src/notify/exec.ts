import { spawn } from "node:child_process";
import { z } from "zod";
import type { Article } from "../article/article.js";
import { lookupGroup, lookupUser } from "../system/users.js";
import { printable } from "../util/printable.js";
import { defineNotifier, type OptionsOf } from "./definition.js";
import type { Notifier } from "./notifier.js";
import { articlePayload, payloadJson } from "./payload.js";
import { routing, timeoutMs } from "./schema-parts.js";

/** A user or group: a name as useradd takes it, or a number. */
const ACCOUNT = /^(?:[A-Za-z_][A-Za-z0-9._-]{0,31}\$?|\d{1,10})$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** What the program's PATH is: the system's, not whatever newsnotify was started with. */
const SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

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
    user: z
      .string()
      .regex(ACCOUNT, "expected a user name or a numeric uid")
      .optional()
      .describe(
        "Run the program as this user (name or uid; needs root), e.g. nobody. Unset: as newsnotify runs (root under the package's unit).",
      ),
    group: z
      .string()
      .regex(ACCOUNT, "expected a group name or a numeric gid")
      .optional()
      .describe("Its group (name or gid); default: the user's primary group."),
    env: z
      .array(z.string().regex(ENV_NAME, "expected an environment variable name"))
      .optional()
      .describe(
        "Names of newsnotify's environment variables the program gets; it gets no others (only PATH, LANG and HOME by default): never the secrets the config takes from the environment.",
      ),
    ...routing,
  })
  .describe("Run a program with the JSON payload on its standard input.");

/**
 * `command` is argv: a program and its fixed arguments, never run through a shell (article data goes
 * to stdin only). `timeoutMs` (default 30000): then SIGTERM, and SIGKILL 2 s later. `user`/`group`:
 * who runs it (spawn's uid/gid, which drops root's groups and capabilities). `env`: the only
 * variables of newsnotify's environment it sees, beside PATH, LANG and HOME.
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
  readonly #options: ExecOptions;
  #identity: Promise<Identity> | null = null;

  constructor(
    options: ExecOptions,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    const [file, ...args] = options.command;
    if (!file) throw new TypeError("exec notifier: command must name a program");
    this.#file = file;
    this.#args = args;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#options = options;
    this.label = `exec ${printable(file)}`;
  }

  /** Who runs the program and with which environment; looked up once (a failure is retried). */
  #resolve(): Promise<Identity> {
    this.#identity ??= resolveIdentity(this.#options, this.env).catch((e: unknown) => {
      this.#identity = null;
      throw e;
    });
    return this.#identity;
  }

  preview(article: Article): unknown {
    return articlePayload(article);
  }

  async send(article: Article, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    const identity = await this.#resolve();
    const r = await runGroup(this.#file, this.#args, `${payloadJson(article)}\n`, {
      timeoutMs: this.#timeoutMs,
      signal,
      identity,
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

/** spawn's uid, gid and environment for the program. */
interface Identity {
  uid?: number;
  gid?: number;
  env: NodeJS.ProcessEnv;
}

/**
 * The program's user, group and environment: PATH (the system's), LANG (when newsnotify has one)
 * and HOME (the user's home when `user` is set), then the variables `env` names, copied from newsnotify's environment. Nothing
 * else: the watcher's environment holds the secrets its config takes from ${env:…}.
 */
export async function resolveIdentity(
  o: Pick<ExecOptions, "user" | "group" | "env">,
  from: NodeJS.ProcessEnv,
): Promise<Identity> {
  const env: NodeJS.ProcessEnv = { PATH: SAFE_PATH, HOME: from.HOME ?? "/" };
  // LANG only as newsnotify has it: unset means the C locale, which the program keeps too.
  if (from.LANG !== undefined) env.LANG = from.LANG;
  const out: Identity = { env };
  if (o.user !== undefined) {
    const found = await lookupUser(o.user);
    if (!found && !/^\d+$/.test(o.user)) throw new Error(`exec notifier: no user ${o.user}`);
    out.uid = found?.uid ?? Number(o.user);
    out.gid = found?.gid ?? out.uid;
    env.HOME = found?.home ?? "/";
  }
  if (o.group !== undefined) {
    const gid = /^\d+$/.test(o.group) ? Number(o.group) : await lookupGroup(o.group);
    if (gid === null) throw new Error(`exec notifier: no group ${o.group}`);
    out.gid = gid;
  }
  for (const name of o.env ?? []) {
    const value = from[name];
    if (value !== undefined) env[name] = value;
  }
  return out;
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
  o: { timeoutMs: number; signal?: AbortSignal; identity: Identity },
): Promise<Run> {
  return new Promise((resolve) => {
    const { uid, gid, env } = o.identity;
    const child = spawn(file, args, {
      detached: true,
      stdio: ["pipe", "ignore", "pipe"],
      env,
      ...(uid !== undefined ? { uid } : {}),
      ...(gid !== undefined ? { gid } : {}),
    });
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
