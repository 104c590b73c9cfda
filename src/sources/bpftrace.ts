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

/**
 * The environment that sets str()'s size the way this bpftrace wants it: BPFTRACE_STRLEN before 0.20,
 * BPFTRACE_MAX_STRLEN from 0.20 (0.23 warns that the old name is deprecated; 0.24 ignores it).
 * `version` is `bpftrace --version`'s output; unknown means the old name (Debian 12's 0.17).
 */
export function strlenEnv(
  version: string | readonly number[] | null | undefined,
): Record<string, string> {
  const text = Array.isArray(version) ? `v${version.join(".")}` : (version as string | null);
  const m = /v?(\d+)\.(\d+)/.exec(text ?? "");
  const modern = m ? Number(m[1]) > 0 || Number(m[2]) >= 20 : false;
  return { [modern ? "BPFTRACE_MAX_STRLEN" : "BPFTRACE_STRLEN"]: String(STRLEN) };
}

/**
 * Set in bpftrace's environment, it makes bpftrace print this line (stderr up to 0.20, stdout later)
 * once every probe is attached: the only sign of that before 0.24. bpftrace 0.17-0.23 print
 * `attached_probes` *before* loading (verifying) and attaching the programs, so an article filed in
 * between was missed (under qemu TCG 0.5-0.8 s on Debian 13's 0.23, growing with the walk depth).
 * bpftrace's own runtime tests use it; present from 0.14 to 0.24 and on main.
 */
export const ATTACHED_MARKER = "__BPFTRACE_NOTIFY_PROBES_ATTACHED";

/** Whether this bpftrace prints `attached_probes` after attaching its probes (0.24+) and not before. */
export function announcesAfterAttach(version: readonly number[] | null | undefined): boolean {
  if (!version || version.length < 2) return false;
  const [major = 0, minor = 0] = version;
  return major > 0 || minor >= 24;
}

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
  /** stdout, one line each, without ATTACHED_MARKER (read once). */
  lines(): AsyncIterable<string>;
  /** true once bpftrace printed ATTACHED_MARKER (every probe attached); false if it exited first. */
  readonly probesAttached: Promise<boolean>;
  /** Resolves when bpftrace has exited; never rejects. */
  readonly exited: Promise<{ code: number | null; signal: string | null; stderrTail: string[] }>;
  /** SIGINT (bpftrace detaches and runs END), then SIGKILL after a grace period. */
  stop(): Promise<void>;
}

export function startBpftrace(opts: BpftraceOptions): BpftraceRun {
  const [cmd, ...pre] = opts.command;
  if (!cmd) throw new Error("bpftrace command is empty");
  const child: ResultPromise = execa(cmd, [...pre, "-f", "json", "-e", opts.program], {
    env: {
      ...strlenEnv(opts.version ?? null),
      BPFTRACE_PERF_RB_PAGES: String(PERF_RB_PAGES),
      [ATTACHED_MARKER]: "1",
    },
    stdin: "ignore",
    buffer: false,
    reject: false,
    killSignal: "SIGINT",
    forceKillAfterDelay: 5_000,
  });
  let markAttached: (ok: boolean) => void = () => {};
  const probesAttached = new Promise<boolean>((r) => (markAttached = r));
  const stderrTail: string[] = [];
  if (child.stderr) {
    createInterface({ input: child.stderr }).on("line", (line) => {
      if (line === ATTACHED_MARKER) return markAttached(true);
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
  void exited.then(() => markAttached(false));
  return {
    pid: child.pid,
    lines: async function* () {
      if (!child.stdout) throw new Error("bpftrace has no stdout");
      const rl = createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY });
      for await (const line of rl) {
        if (line === ATTACHED_MARKER) markAttached(true);
        else yield line;
      }
    },
    probesAttached,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
      await exited;
    },
  };
}
