import { setTimeout as sleep } from "node:timers/promises";
import { bpftraceVersion } from "../system/facts.js";
import type { Log } from "../util/log.js";
import { Assembler, type TraceEvent } from "./assemble.js";
import { type BpftraceRun, startBpftrace } from "./bpftrace.js";
import type { TraceMode } from "./generate.js";
import { parseLine } from "./protocol.js";

export interface ProgramChoice {
  mode: TraceMode;
  program: string;
  depth: number;
}

export interface SupervisorOptions {
  command: readonly string[];
  /** Builds the program to run; `fallback` is true after a kprobe program failed to attach in auto mode. */
  makeProgram: (fallback: boolean) => Promise<ProgramChoice>;
  /** Whether a failed kprobe attach may fall back to tracepoint mode (mode: auto). */
  mayFallBack: boolean;
  onEvent: (ev: TraceEvent) => void;
  /** Called each time a program is attached (the first call is the "ready" moment). */
  onAttached: (choice: ProgramChoice, restarts: number) => void;
  log: Log;
  /** Restart backoff bounds, in ms. */
  backoff?: { initialMs: number; maxMs: number };
}

interface Run {
  choice: ProgramChoice;
  bpf: BpftraceRun;
  attached: Promise<boolean>;
  done: Promise<void>;
}

/**
 * Keeps one bpftrace running: restarts it with backoff when it dies, and swaps in a deeper program
 * without a gap (the new one attaches before the old one stops; the flow drops the duplicates).
 */
export class TraceSupervisor {
  #current: Run | null = null;
  #stopping = false;
  #fallback = false;
  #restarts = 0;
  #wake: (() => void) | null = null;
  #handovers: Promise<void> = Promise.resolve();
  #version: Promise<string | null> | undefined;

  constructor(private readonly o: SupervisorOptions) {}

  get choice(): ProgramChoice | null {
    return this.#current?.choice ?? null;
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
        this.o.onAttached(run.choice, this.#restarts);
      }
      const startedAt = Date.now();
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
      if (!ok && live.choice.mode === "kprobe" && this.o.mayFallBack && !this.#fallback) {
        this.#fallback = true;
        this.o.log(
          "warn",
          `kprobe program did not attach; falling back to tracepoint mode. ${why}: ${tail.join(" | ")}`,
        );
        continue;
      }
      if (!everAttached && !ok) {
        throw new Error(`${why} before attaching:\n${tail.join("\n") || "(no output)"}`);
      }
      if (Date.now() - startedAt > 60_000) delay = backoff.initialMs;
      this.o.log(
        "error",
        `${why}; restarting in ${Math.round(delay / 1000)} s. ${tail.join(" | ")}`,
      );
      this.#restarts++;
      const wake = new AbortController();
      this.#wake = () => wake.abort();
      await sleep(delay, undefined, { signal: wake.signal }).catch(() => {});
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
    this.o.onAttached(next.choice, this.#restarts);
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
    const choice = await this.o.makeProgram(this.#fallback);
    this.#version ??= bpftraceVersion(this.o.command);
    const bpf = startBpftrace({
      command: this.o.command,
      version: await this.#version,
      program: choice.program,
      onStderr: (level, text) => {
        if (level !== "info") this.o.log(level, `bpftrace: ${text}`);
      },
    });
    let markAttached: (ok: boolean) => void = () => {};
    const attached = new Promise<boolean>((r) => (markAttached = r));
    const assembler = new Assembler();
    const done = (async () => {
      for await (const line of bpf.lines()) {
        const rec = parseLine(line);
        if (!rec) continue;
        if (rec.kind === "attached") markAttached(true);
        for (const ev of assembler.push(rec)) this.o.onEvent(ev);
      }
      for (const ev of assembler.flush()) this.o.onEvent(ev);
      await bpf.exited;
      markAttached(false);
    })();
    return { choice, bpf, attached, done };
  }
}
