import { readFile, stat } from "node:fs/promises";
import type { Article } from "../article/article.js";
import { parseArticle } from "../article/parse.js";
import { type ActiveGroup, parseActive, resolveShortfall } from "../inn/active.js";
import type { TraceEvent } from "../sources/assemble.js";
import { candidatePaths, type ResolveIO } from "../sources/resolve.js";
import { type ReadOptions, readWhenComplete } from "../storage/read.js";
import { locateArticle, type SpoolLocation } from "../storage/tradspool.js";
import { errorMessage } from "../util/errors.js";
import { Limit } from "../util/limit.js";
import type { Log } from "../util/log.js";
import { RecentSet } from "../util/recent.js";

const DONE: Promise<void> = Promise.resolve();

export interface FlowOptions {
  /** Real path of the spool root (tradspool). */
  spool: string;
  activeFile: string;
  read: ReadOptions;
  snippetChars: number;
  log: Log;
  /**
   * Called once per new article (never twice for one Message-ID in a run); resolves once the
   * article is safely queued (journaled) for its notifiers.
   */
  deliver: (article: Article) => void | Promise<void>;
  /** bpftrace dropped events: the spool should be reconciled. */
  onLost?: () => void;
  /** A walk ran out of depth: the program should be regenerated deeper. */
  onShortfall?: () => void;
  resolveIO?: ResolveIO;
}

/**
 * The middle of the data path: trace events → created paths → spool articles → parsed articles.
 * `handle` never throws: every problem is one log line and the flow goes on.
 */
export class ArticleFlow {
  /** Both kprobes can fire for one file: a path is handled once. */
  readonly #paths = new RecentSet(16_384);
  /** A crosspost is one file plus links, but a Message-ID is the article's true identity. */
  readonly #ids = new RecentSet(16_384);
  /** group:number of every article handled (its Xref entries included): catch-up skips them. */
  readonly #numbers = new RecentSet(131_072);
  #active: { mtimeMs: number; groups: ActiveGroup[] } | null = null;
  /** Paths being read, parsed and journaled now. */
  readonly #inflight = new Map<string, Promise<void>>();
  /** Articles read and parsed at once: a burst of thousands must not open thousands of files. */
  readonly #reads = new Limit(16);

  constructor(private readonly o: FlowOptions) {}

  async handle(ev: TraceEvent): Promise<void> {
    try {
      await this.#handle(ev);
    } catch (e) {
      this.o.log(
        "error",
        `internal error on ${ev.kind} event: ${e instanceof Error ? e.stack : e}`,
      );
    }
  }

  async #handle(ev: TraceEvent): Promise<void> {
    switch (ev.kind) {
      case "walk":
      case "open": {
        const { paths, reason } = await candidatePaths(ev, this.o.resolveIO);
        if (reason) this.o.log("warn", `created file not resolved: ${reason}`);
        // Files outside the spool (history, overview, logs) are innd's business, not ours.
        for (const path of paths) {
          const loc = locateArticle(path, this.o.spool);
          if (loc) return this.#article(path, loc);
        }
        return;
      }
      case "shortfall": {
        this.o.onShortfall?.();
        // Only an article (a number) is worth recovering; innd's deep overview files are not.
        if (!/^[0-9]+$/.test(ev.segments[ev.segments.length - 1] ?? "")) return;
        const path = resolveShortfall(this.o.spool, ev.segments, await this.#groups());
        const tail = ev.segments.join("/");
        if (!path) {
          this.o.log(
            "warn",
            `path walk ran out of depth at …/${tail}; no unique group matches, skipped`,
          );
          return;
        }
        this.o.log(
          "warn",
          `path walk ran out of depth at …/${tail}; recovered ${path} from the active file`,
        );
        await this.article(path);
        return;
      }
      case "broken":
        this.o.log("warn", `incomplete trace event ${ev.key}: ${ev.reason}`);
        return;
      case "lost":
        this.o.log("warn", `bpftrace lost ${ev.count} events; reconciling with the spool`);
        this.o.onLost?.();
        return;
      case "attached":
        return;
      case "message":
        this.o.log("warn", `bpftrace: ${ev.text}`);
        return;
    }
  }

  /** Whether this run has handled group:number (traced, caught up, or named in an Xref). */
  seen(group: string, number: number): boolean {
    return this.#numbers.has(`${group}:${number}`);
  }

  /**
   * Reads, parses and delivers one spool article, once per path and Message-ID. Never throws.
   * Resolves once it is journaled (or found not to be an article to send); a second call for a path
   * being handled (catch-up racing the trace) waits for the first.
   */
  article(path: string): Promise<void> {
    const loc = locateArticle(path, this.o.spool);
    return loc ? this.#article(path, loc) : DONE;
  }

  #article(path: string, loc: SpoolLocation): Promise<void> {
    const running = this.#inflight.get(path);
    if (running) return running;
    if (!this.#paths.add(path)) return DONE;
    const handling = this.#reads
      .run(() => this.#read(path, loc))
      .finally(() => {
        this.#inflight.delete(path);
        // Seen only now: catch-up saves marks past what it counts as seen, so an article still
        // being read when a SIGKILL comes must not count yet.
        this.#numbers.add(`${loc.group}:${loc.number}`);
      });
    this.#inflight.set(path, handling);
    return handling;
  }

  async #read(path: string, loc: SpoolLocation): Promise<void> {
    let stored: Awaited<ReturnType<typeof readWhenComplete>>;
    try {
      stored = await readWhenComplete(path, this.o.spool, this.o.read);
    } catch (e) {
      this.o.log("warn", `${path}: not read: ${errorMessage(e)}`);
      return;
    }
    if (!stored.complete)
      this.o.log("warn", `${path}: still growing after ${stored.waitedMs} ms; read as is`);
    let article: Article;
    try {
      article = parseArticle(stored.raw, {
        path,
        group: loc.group,
        number: loc.number,
        snippetChars: this.o.snippetChars,
        truncated: stored.truncated,
        bytes: stored.bytes,
      });
    } catch (e) {
      this.o.log("warn", `${path}: unparsable article: ${errorMessage(e)}`);
      return;
    }
    if (this.#ids.add(article.messageId)) {
      try {
        await this.o.deliver(article);
      } catch (e) {
        this.o.log("error", `${path}: not queued for delivery: ${errorMessage(e)}`);
      }
    }
    // Its other groups' numbers (the hard links of a crosspost) need no catch-up either.
    for (const x of article.xref) this.#numbers.add(`${x.group}:${x.number}`);
  }

  async #groups(): Promise<ActiveGroup[]> {
    try {
      const st = await stat(this.o.activeFile);
      if (this.#active?.mtimeMs !== st.mtimeMs) {
        this.#active = {
          mtimeMs: st.mtimeMs,
          groups: parseActive(await readFile(this.o.activeFile, "utf8")),
        };
      }
      return this.#active.groups;
    } catch (e) {
      this.o.log("warn", `cannot read active file ${this.o.activeFile}: ${errorMessage(e)}`);
      return [];
    }
  }
}
