import { EnvironmentError, errorMessage } from "../util/errors.js";
import type { Log } from "../util/log.js";
import { realTimers, type Timers } from "../util/timers.js";
import {
  ATTACHED_MARKER,
  announcesAfterAttach,
  type BpftraceRun,
  startBpftrace,
} from "./bpftrace.js";
import { parseLine } from "./protocol.js";
import { sourceNamed } from "./registry.js";
import type { Program, Source, SourceEvent } from "./source.js";

export interface SupervisorOptions {
  command: readonly string[];
  /** The source chosen at start. */
  source: Source;
  /** Builds the program a source runs now (called at each start, restart and handover). */
  makeProgram: (source: Source) => Program | Promise<Program>;
  /** Whether a source that fails to attach may hand over to its `fallback` (mode: auto). */
  mayFallBack: boolean;
  onEvent: (ev: SourceEvent) => void;
  /** Called each time a program is attached (the first call is the "ready" moment). */
  onAttached: (program: Program, restarts: number) => void;
  log: Log;
  /** Restart backoff bounds, in ms. */
  backoff?: { initialMs: number; maxMs: number };
  /** bpftrace's version, for the environment it wants (string length variable). */
  bpftraceVersion?: readonly number[] | null;
  /** The attach grace and the restart backoff (default: the real clock). */
  timers?: Timers;
}

interface Run {
  program: Program;
  bpf: BpftraceRun;
  attached: Promise<boolean>;
  done: Promise<void>;
}

/**
 * Without bpftrace's after-attach marker (its environment reset by sudo), how long after
 * `attached_probes` the probes are taken as attached: the load-and-attach time measured was
 * 0.1-0.8 s under qemu TCG (Debian 12 and 13), so 3 s leaves room on a loaded machine.
 */
export const ATTACH_GRACE_MS = 3_000;

/**
 * Keeps one bpftrace running: restarts it with backoff when it dies, falls back to another source
 * when the chosen one cannot attach (auto), and swaps in a regenerated program without a gap (the
 * new one attaches before the old one stops; the flow drops the duplicates).
 */
export class TraceSupervisor {
  #warnedNoMarker = false;
  #current: Run | null = null;
  #source: Source;
  #stopping = false;
  #fellBack = false;
  #restarts = 0;
  #wake: (() => void) | null = null;
  #handovers: Promise<void> = Promise.resolve();

  readonly #timers: Timers;

  constructor(private readonly o: SupervisorOptions) {
    this.#source = o.source;
    this.#timers = o.timers ?? realTimers;
  }

  /** The program running now. */
  get program(): Program | null {
    return this.#current?.program ?? null;
  }

  /** Runs until `stop()`. Throws only when the very first start cannot attach at all. */
  async run(): Promise<void> {
    const backoff = this.o.backoff ?? { initialMs: 1000, maxMs: 30_000 };
    let delay = backoff.initialMs;
    let everAttached = false;
    while (!this.#stopping) {
      const run = await this.#start();
      this.#current = run;
      const ok = await run.attached;
      if (ok) {
        everAttached = true;
        this.o.onAttached(run.program, this.#restarts);
      }
      const startedAt = this.#timers.now();
      // Follow handovers: a replaced run ends on purpose, its successor is the one to watch.
      let live = run;
      for (;;) {
        await live.done;
        if (this.#stopping || this.#current === live || !this.#current) break;
        live = this.#current;
      }
      if (this.#stopping) break;
      const exit = await live.bpf.exited;
      const why = `bpftrace exited (code ${exit.code ?? "-"}${exit.signal ? `, signal ${exit.signal}` : ""})`;
      const tail = exit.stderrTail.filter((l) => !l.includes("RLIMIT_MEMLOCK")).slice(-5);
      const fallback = this.#source.fallback;
      if (!ok && fallback && this.o.mayFallBack && !this.#fellBack) {
        this.#fellBack = true;
        this.o.log(
          "warn",
          `${this.#source.name} program did not attach; falling back to ${fallback} mode. ${why}: ${tail.join(" | ")}`,
        );
        this.#source = sourceNamed(fallback);
        continue;
      }
      if (!everAttached && !ok) {
        throw new EnvironmentError(
          `the ${this.#source.name} program could not attach: ${why}:\n${tail.join("\n") || "(no output)"}\n` +
            "Run `newsnotify doctor` to see what this kernel offers, or set another mode in the config.",
        );
      }
      if (this.#timers.now() - startedAt > 60_000) delay = backoff.initialMs;
      this.o.log(
        "error",
        `${why}; restarting in ${Math.round(delay / 1000)} s. ${tail.join(" | ")}`,
      );
      this.#restarts++;
      await new Promise<void>((resolve) => {
        const cancel = this.#timers.after(delay, resolve);
        this.#wake = () => {
          cancel();
          resolve();
        };
      });
      delay = Math.min(delay * 2, backoff.maxMs);
    }
  }

  /**
   * Replaces the running program with a freshly generated one, attaching the new one first. One
   * handover at a time: two at once would both stop the same old run and leak a bpftrace.
   */
  handover(reason: string): Promise<void> {
    const next = this.#handovers.then(() => this.#handover(reason));
    this.#handovers = next.catch(() => {});
    return next;
  }

  async #handover(reason: string): Promise<void> {
    if (!this.#current || this.#stopping) return;
    this.o.log("info", `regenerating the trace program: ${reason}`);
    const next = await this.#start();
    const attached = await next.attached;
    if (!attached || this.#stopping) {
      if (!attached)
        this.o.log("error", "the regenerated program did not attach; keeping the old one");
      await next.bpf.stop();
      return;
    }
    const prev = this.#current;
    this.#current = next;
    this.o.onAttached(next.program, this.#restarts);
    await prev?.bpf.stop();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#current?.bpf.stop();
    // A handover under way stops its own new run once it sees #stopping.
    await this.#handovers;
  }

  async #start(): Promise<Run> {
    const source = this.#source;
    const program = await this.o.makeProgram(source);
    const bpf = startBpftrace({
      command: this.o.command,
      program: program.text,
      version: this.o.bpftraceVersion ?? null,
      onStderr: (level, text) => {
        if (level !== "info") this.o.log(level, `bpftrace: ${text}`);
      },
    });
    let markAttached: (ok: boolean) => void = () => {};
    const attached = new Promise<boolean>((r) => (markAttached = r));
    // Ready (and, in a handover, the old program stopped) only once the probes really fire: before
    // 0.24, bpftrace's attached_probes line comes before the programs are even loaded.
    const afterAttach = announcesAfterAttach(this.o.bpftraceVersion);
    let confirmed = false;
    let cancelGrace = () => {};
    void bpf.probesAttached.then((ok) => {
      confirmed = true;
      cancelGrace();
      if (ok) markAttached(true);
    });
    const decoder = source.decoder();
    const emit = (events: SourceEvent[]) => {
      for (const ev of events) this.o.onEvent(ev);
    };
    const done = (async () => {
      for await (const line of bpf.lines()) {
        const rec = parseLine(line);
        if (!rec) continue;
        if (rec.kind === "attached") {
          if (afterAttach) markAttached(true);
          // No marker when bpftrace's environment was reset on the way (sudo without the README's
          // env_keep line): then ready a grace period after attached_probes, longer than the
          // load-and-attach time measured (0.1-0.8 s under qemu TCG), and said once.
          else
            cancelGrace = this.#timers.after(ATTACH_GRACE_MS, () => {
              if (confirmed) return;
              if (!this.#warnedNoMarker) {
                this.#warnedNoMarker = true;
                this.o.log(
                  "warn",
                  `bpftrace did not confirm its probes attached (${ATTACHED_MARKER} did not reach it: ` +
                    "with sudo, add it to the env_keep line of the README's sudoers example); " +
                    `assumed ${ATTACH_GRACE_MS / 1000} s after it announced them`,
                );
              }
              markAttached(true);
            });
        }
        const out = decoder.push(rec);
        // Decoding that needs I/O (/proc) must not hold up the next line: events go when ready.
        if (Array.isArray(out)) emit(out);
        else
          void out.then(emit, (e: unknown) =>
            this.o.log("error", `decoding a trace event failed: ${errorMessage(e)}`),
          );
      }
      emit(decoder.flush());
      await bpf.exited;
      cancelGrace();
      markAttached(false);
    })();
    return { program, bpf, attached, done };
  }
}
