import { once } from "node:events";
import { Worker } from "node:worker_threads";
import type { Article } from "../article/article.js";
import type { ParseOptions } from "../article/parse.js";

/** What one article's parse may take in the parse thread. */
export interface ParseBudget {
  timeMs: number;
  /** The thread's V8 heap (old generation), in MB. */
  heapMb: number;
}

/** Far above what any article takes once the parser is linear (a 1 MB hostile one: under 1 s, 130 MB). */
export const PARSE_BUDGET: ParseBudget = { timeMs: 2000, heapMb: 256 };

/** @internal The messages between the threads. */
export interface ParseRequest {
  id: number;
  raw: Uint8Array;
  opts: ParseOptions;
}
/** @internal */
export type ParseReply =
  | { id: number; article: Article }
  | { id: number; unparsable: string }
  | { id: number; failed: string };

export type ParseOutcome =
  | { kind: "parsed"; article: Article }
  /** Not an article (no header, no Message-ID): ArticleParseError's reason. */
  | { kind: "unparsable"; reason: string }
  /** The parse ran out of its budget or the thread died: why, for a log line. */
  | { kind: "over-budget"; reason: string };

/**
 * Parses articles in one long-lived worker thread with a time and heap budget, so that an article
 * the parser cannot cope with costs that article's body, never the watcher: the main thread keeps
 * reading bpftrace, delivering and answering signals while the thread works. A thread that runs
 * over its time is terminated, and one that runs out of heap dies; the next article starts a new
 * one. One article at a time: the budget is that article's alone.
 */
export class ParseThread {
  #worker: Worker | null = null;
  #online: Promise<void> | null = null;
  #tail: Promise<unknown> = Promise.resolve();
  #ids = 0;
  #closed = false;

  constructor(
    private readonly budget: ParseBudget = PARSE_BUDGET,
    /** The compiled entry (a test may build its own). */
    private readonly entry: URL = new URL("./parse-thread-main.js", import.meta.url),
  ) {}

  /** Parses `raw` (copied to the thread: the caller keeps its bytes). Never rejects. */
  parse(raw: Uint8Array, opts: ParseOptions): Promise<ParseOutcome> {
    const run = this.#tail.then(() => this.#parse(raw, opts));
    this.#tail = run;
    return run;
  }

  /** Stops the thread; parse() after this fails every article as over budget. */
  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = null;
    if (worker) await worker.terminate();
  }

  async #parse(raw: Uint8Array, opts: ParseOptions): Promise<ParseOutcome> {
    if (this.#closed) return { kind: "over-budget", reason: "parse thread closed" };
    let worker: Worker;
    try {
      worker = await this.#start();
    } catch (e) {
      this.#stop();
      return { kind: "over-budget", reason: `parse thread did not start: ${String(e)}` };
    }
    const id = ++this.#ids;
    return new Promise<ParseOutcome>((resolve) => {
      const done = (outcome: ParseOutcome, stop: boolean) => {
        clearTimeout(timer);
        worker.unref();
        worker.off("message", onMessage);
        worker.off("error", onError);
        worker.off("exit", onExit);
        if (stop) this.#stop();
        resolve(outcome);
      };
      const onMessage = (reply: ParseReply) => {
        if (reply.id !== id) return;
        if ("article" in reply) done({ kind: "parsed", article: reply.article }, false);
        else if ("unparsable" in reply)
          done({ kind: "unparsable", reason: reply.unparsable }, false);
        else done({ kind: "over-budget", reason: `parser failed: ${reply.failed}` }, false);
      };
      const onError = (e: Error & { code?: string }) =>
        done(
          {
            kind: "over-budget",
            reason:
              e.code === "ERR_WORKER_OUT_OF_MEMORY"
                ? `over its ${this.budget.heapMb} MB heap budget`
                : `parse thread failed: ${e.message}`,
          },
          true,
        );
      const onExit = (code: number) =>
        done({ kind: "over-budget", reason: `parse thread exited (code ${code})` }, true);
      const timer = setTimeout(
        () =>
          done(
            { kind: "over-budget", reason: `over its ${this.budget.timeMs} ms time budget` },
            true,
          ),
        this.budget.timeMs,
      );
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.on("exit", onExit);
      // A copy of the view alone (a Buffer may be a slice of a far larger ArrayBuffer, all of which
      // would be cloned), handed over rather than cloned again.
      const bytes = Uint8Array.prototype.slice.call(raw);
      worker.ref();
      worker.postMessage({ id, raw: bytes, opts } satisfies ParseRequest, [bytes.buffer]);
    });
  }

  /** The running thread, or a new one once it is up (its start-up is not the article's time). */
  async #start(): Promise<Worker> {
    if (!this.#worker) {
      const worker = new Worker(this.entry, {
        resourceLimits: { maxOldGenerationSizeMb: this.budget.heapMb },
      });
      this.#worker = worker;
      // Kept running (ref'd) while it starts and while it parses; an idle thread must not.
      this.#online = once(worker, "online").then(() => void worker.unref());
    }
    await this.#online;
    return this.#worker as Worker;
  }

  /** Drops the thread (terminated if still running); the next article starts another. */
  #stop(): void {
    const worker = this.#worker;
    this.#worker = null;
    this.#online = null;
    if (worker) void worker.terminate();
  }
}
