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

/** An article handed to the thread and not answered yet. */
interface Job {
  id: number;
  /** The caller's bytes, kept so that a new thread can be given them again. */
  raw: Uint8Array;
  opts: ParseOptions;
  resolve: (outcome: ParseOutcome) => void;
}

/**
 * Parses articles in one long-lived worker thread with a time and heap budget, so that an article
 * the parser cannot cope with costs that article's body, never the watcher: the main thread keeps
 * reading bpftrace, delivering and answering signals while the thread works. A thread that runs
 * over its time is terminated, and one that runs out of heap dies; the next article starts a new
 * one. The thread parses one article at a time, in the order given, and the budget is that
 * article's alone: its clock starts when the article before it is answered.
 *
 * Articles are handed over as they come, not one round trip after another: in a burst the thread
 * finds the next article waiting when it answers one, instead of going to sleep and being woken
 * (a futex and an eventfd on each side) for every article. Those given to a thread that dies are
 * given to the next one, except the one it died on. How many wait in the thread is the caller's
 * number in flight (the flow reads and parses at most 16 at once): each waits there as a copy.
 */
export class ParseThread {
  #worker: Worker | null = null;
  #online: Promise<void> | null = null;
  /** Handed to the running thread (or waiting for it to start), oldest first: the first is parsing. */
  #jobs: Job[] = [];
  /** The first job's time budget: one timer, re-armed for each article. */
  #timer: NodeJS.Timeout | null = null;
  #ids = 0;
  #closed = false;

  constructor(
    private readonly budget: ParseBudget = PARSE_BUDGET,
    /** The compiled entry (a test may build its own). */
    private readonly entry: URL = new URL("./parse-thread-main.js", import.meta.url),
  ) {}

  /** Parses `raw` (copied to the thread: the caller keeps its bytes). Never rejects. */
  parse(raw: Uint8Array, opts: ParseOptions): Promise<ParseOutcome> {
    if (this.#closed) return Promise.resolve(CLOSED);
    return new Promise<ParseOutcome>((resolve) => {
      const job: Job = { id: ++this.#ids, raw, opts, resolve };
      this.#jobs.push(job);
      if (this.#worker && this.#online === null) {
        if (this.#jobs.length === 1) this.#arm();
        this.#post(this.#worker, job);
      } else this.#start();
    });
  }

  /** Stops the thread; parse() after this (and any article not answered yet) is over budget. */
  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#drop();
    for (const job of this.#jobs.splice(0)) job.resolve(CLOSED);
    if (worker) await worker.terminate();
  }

  /** Starts a thread if none is running or starting; once it is up, it gets every waiting job. */
  #start(): void {
    if (this.#worker) return;
    let worker: Worker;
    try {
      worker = new Worker(this.entry, {
        resourceLimits: { maxOldGenerationSizeMb: this.budget.heapMb },
      });
    } catch (e) {
      this.#fail(`parse thread did not start: ${String(e)}`);
      return;
    }
    this.#worker = worker;
    worker.on("message", (reply: ParseReply) => this.#answered(worker, reply));
    worker.on("error", (e: Error & { code?: string }) =>
      this.#died(
        worker,
        e.code === "ERR_WORKER_OUT_OF_MEMORY"
          ? `over its ${this.budget.heapMb} MB heap budget`
          : `parse thread failed: ${e.message}`,
      ),
    );
    worker.on("exit", (code: number) => this.#died(worker, `parse thread exited (code ${code})`));
    // Its start-up is not the first article's time: the clock starts once it is online.
    const online = once(worker, "online").then(
      () => {
        if (this.#worker !== worker) return;
        this.#online = null;
        this.#arm();
        for (const job of this.#jobs) this.#post(worker, job);
        if (this.#jobs.length === 0) worker.unref();
      },
      () => {},
    );
    this.#online = online;
  }

  #post(worker: Worker, job: Job): void {
    // A copy of the view alone (a Buffer may be a slice of a far larger ArrayBuffer, all of which
    // would be cloned), handed over rather than cloned again.
    const bytes = Uint8Array.prototype.slice.call(job.raw);
    worker.ref();
    worker.postMessage({ id: job.id, raw: bytes, opts: job.opts } satisfies ParseRequest, [
      bytes.buffer,
    ]);
  }

  #answered(worker: Worker, reply: ParseReply): void {
    if (worker !== this.#worker) return;
    const job = this.#jobs[0];
    if (!job || reply.id !== job.id) return;
    this.#jobs.shift();
    if ("article" in reply) job.resolve({ kind: "parsed", article: reply.article });
    else if ("unparsable" in reply) job.resolve({ kind: "unparsable", reason: reply.unparsable });
    else job.resolve({ kind: "over-budget", reason: `parser failed: ${reply.failed}` });
    this.#arm();
    // An idle thread must not keep the process running.
    if (this.#jobs.length === 0) worker.unref();
  }

  /** The thread died or overran (on the first job): that job is over budget, the rest go to a new one. */
  #died(worker: Worker, reason: string): void {
    if (worker !== this.#worker) return;
    this.#drop();
    void worker.terminate();
    this.#jobs.shift()?.resolve({ kind: "over-budget", reason });
    if (this.#jobs.length > 0) this.#start();
  }

  /** No thread can be had: every waiting job is over budget. */
  #fail(reason: string): void {
    this.#drop();
    for (const job of this.#jobs.splice(0)) job.resolve({ kind: "over-budget", reason });
  }

  /**
   * (Re)starts the first job's clock: one unref'd timer for the thread's life, refreshed per
   * article rather than made anew. Left to fire while nothing waits (it then does nothing).
   */
  #arm(): void {
    if (this.#jobs.length === 0 || this.#online !== null) return;
    if (this.#timer) {
      this.#timer.refresh();
      return;
    }
    this.#timer = setTimeout(() => {
      const worker = this.#worker;
      if (worker && this.#online === null && this.#jobs.length > 0)
        this.#died(worker, `over its ${this.budget.timeMs} ms time budget`);
    }, this.budget.timeMs);
    this.#timer.unref();
  }

  /** Forgets the running thread and stops the clock (the caller terminates the thread). */
  #drop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#worker = null;
    this.#online = null;
  }
}

const CLOSED: ParseOutcome = { kind: "over-budget", reason: "parse thread closed" };
