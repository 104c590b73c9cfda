import { createInterface } from "node:readline";
import { execa, type ResultPromise } from "execa";
import { classifyStderr } from "./protocol.js";

/** str() buffer size for the generated program: bpftrace 0.17's practical maximum. */
export const STRLEN = 200;
/**
 * Perf ring buffer pages per CPU (bpftrace's default is 64): a burst of thousands of articles a
 * second must fit while the reader catches up, or bpftrace drops events ("lost N events").
 */
export const PERF_RB_PAGES = 1024;

export interface BpftraceOptions {
  /** argv prefix that runs bpftrace, e.g. ["bpftrace"] or ["sudo", "-n", "bpftrace"]. */
  command: readonly string[];
  program: string;
  /** bpftrace's version ([major, minor, ...]); null when unknown (then treated as old). */
  version?: readonly number[] | null;
  /** One line per stderr line that is worth a log line (known noise is dropped). */
  onStderr: (level: "info" | "warn" | "error", text: string) => void;
}

/** A running bpftrace: its stdout lines (JSON, one object each), and how to stop it. */
export interface BpftraceRun {
  readonly pid: number | undefined;
  lines(): AsyncIterable<string>;
  /** Resolves when bpftrace has exited; never rejects. */
  readonly exited: Promise<{ code: number | null; signal: string | null; stderrTail: string[] }>;
  /** SIGINT (bpftrace detaches and runs END), then SIGKILL after a grace period. */
  stop(): Promise<void>;
}

export function startBpftrace(opts: BpftraceOptions): BpftraceRun {
  const [cmd, ...pre] = opts.command;
  if (!cmd) throw new Error("bpftrace command is empty");
  const child: ResultPromise = execa(cmd, [...pre, "-f", "json", "-e", opts.program], {
    env: { ...strlenEnv(opts.version ?? null), BPFTRACE_PERF_RB_PAGES: String(PERF_RB_PAGES) },
    stdin: "ignore",
    buffer: false,
    reject: false,
    killSignal: "SIGINT",
    forceKillAfterDelay: 5_000,
  });
  const stderrTail: string[] = [];
  if (child.stderr) {
    createInterface({ input: child.stderr }).on("line", (line) => {
      stderrTail.push(line);
      if (stderrTail.length > 20) stderrTail.shift();
      const c = classifyStderr(line);
      if (c) opts.onStderr(c.level, c.text);
    });
  }
  const exited = child.then(
    (r) => ({ code: r.exitCode ?? null, signal: r.signal ?? null, stderrTail }),
    (e: unknown) => ({ code: null, signal: null, stderrTail: [...stderrTail, String(e)] }),
  );
  return {
    pid: child.pid,
    lines: () => {
      if (!child.stdout) throw new Error("bpftrace has no stdout");
      return createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY });
    },
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
      await exited;
    },
  };
}

/**
 * The str() buffer size, in the variable each bpftrace reads: BPFTRACE_STRLEN up to 0.19, renamed
 * BPFTRACE_MAX_STRLEN in 0.20 (0.23 warns about the old name on every start, 0.24 ignores it).
 */
export function strlenEnv(version: readonly number[] | null): Record<string, string> {
  const [major = 0, minor = 0] = version ?? [];
  const renamed = major > 0 || minor >= 20;
  return renamed ? { BPFTRACE_MAX_STRLEN: String(STRLEN) } : { BPFTRACE_STRLEN: String(STRLEN) };
}
