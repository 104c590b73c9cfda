import { readFile, stat } from "node:fs/promises";
import type { Article } from "../article/article.js";
import { type ActiveGroup, parseActive, resolveShortfall } from "../inn/active.js";
import type { RouteGate } from "../notify/route.js";
import type { SourceEvent } from "../sources/source.js";
import type { Stats } from "../stats/stats.js";
import {
  HEADER_BOUND,
  type LoadOptions,
  parseStored,
  parseStoredHeader,
  parseStoredInThread,
  readHead,
  readStored,
} from "../storage/load.js";
import type { StorageContext, StoredRef } from "../storage/method.js";
import type { ParseThread } from "../storage/parse-thread.js";
import type { ReadOptions, StoredArticle } from "../storage/read.js";
import { storedAtPath, storedByToken } from "../storage/registry.js";
import { errorMessage } from "../util/errors.js";
import { Limit } from "../util/limit.js";
import type { Log } from "../util/log.js";
import { RecentSet } from "../util/recent.js";

const DONE: Promise<void> = Promise.resolve();

export interface FlowOptions {
  /** Real path of the spool root (patharticles). */
  spool: string;
  /** What storage methods need beyond the spool (tradspool.map); default: the spool alone. */
  storage?: StorageContext;
  activeFile: string;
  read: ReadOptions;
  snippetChars: number;
  /**
   * Where articles are parsed: a worker thread with a time and heap budget, so that no article
   * can stall or crash the watcher. Without one (unit tests), on this thread.
   */
  parseThread?: ParseThread;
  log: Log;
  /**
   * Which articles some notifier takes, asked before an article is read whole: one whose path's
   * group does not say so is routed from its header block first, and only one that is taken has
   * its body read and parsed. Without it (test-hook, tests) every article is read whole.
   */
  route?: RouteGate;
  /**
   * Called once per new article (never twice for one Message-ID in a run); resolves once the
   * article is safely queued (journaled) for its notifiers.
   */
  deliver: (article: Article) => void | Promise<void>;
  /** bpftrace dropped events: the spool should be reconciled. */
  onLost?: () => void;
  /** A walk ran out of depth: the program should be regenerated deeper. */
  onShortfall?: () => void;
  /** Whether a storing innd is this INN's (its pid file's), not another instance of the binary. */
  ownInnd?: (pid: number) => Promise<boolean>;
  /** Counts articles seen (and when: the start of delivery latency) and lost events. */
  stats?: Pick<Stats, "seen" | "lost">;
}

/** How an article was found, and when newsnotify first saw it. */
export interface Sighting {
  via: "trace" | "catchup";
  at: number;
}

/**
 * The middle of the data path: source events → stored articles → parsed articles → delivery.
 * `handle` never throws: every problem is one log line and the flow goes on.
 */
export class ArticleFlow {
  /** Both kprobes can fire for one file: a stored article (its path or token) is handled once. */
  readonly #paths = new RecentSet(16_384);
  /** A crosspost is one file plus links, but a Message-ID is the article's true identity. */
  readonly #ids = new RecentSet(16_384);
  /** group:number of every article handled (its Xref entries included): catch-up skips them. */
  readonly #numbers = new RecentSet(131_072);
  #active: { mtimeMs: number; groups: ActiveGroup[] } | null = null;
  /** Articles being read, parsed and journaled now, by path (or token). */
  readonly #inflight = new Map<string, Promise<void>>();
  /** Articles read and parsed at once: a burst of thousands must not open thousands of files. */
  readonly #reads = new Limit(16);
  /** Other innd instances already named in the log. */
  readonly #strangers = new RecentSet(64);
  readonly #load: LoadOptions;
  readonly #storage: StorageContext;

  constructor(private readonly o: FlowOptions) {
    this.#storage = o.storage ?? { spool: o.spool };
    this.#load = {
      spool: o.spool,
      read: o.read,
      snippetChars: o.snippetChars,
      tokenReader: this.#storage.tokenReader,
    };
  }

  async handle(ev: SourceEvent): Promise<void> {
    try {
      await this.#handle(ev);
    } catch (e) {
      this.o.log(
        "error",
        `internal error on ${ev.kind} event: ${e instanceof Error ? e.stack : e}`,
      );
    }
  }

  async #handle(ev: SourceEvent): Promise<void> {
    const traced: Sighting = { via: "trace", at: Date.now() };
    switch (ev.kind) {
      case "file": {
        if (!(await this.#fromOwnInnd(ev.pid))) return;
        // Files outside the spool (history, overview, logs) are innd's business, not ours.
        for (const path of ev.paths) {
          const ref = storedAtPath(path, this.#storage);
          if (ref) return this.#article(ref, traced);
        }
        return;
      }
      case "partial": {
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
        await this.article(path, traced);
        return;
      }
      case "stored": {
        // A handover's two programs both see an article: the Message-ID, when the probe had it
        // whole, saves a read.
        if (ev.messageId !== "" && this.#ids.has(ev.messageId)) return;
        if (!(await this.#fromOwnInnd(ev.pid))) return;
        let ref: StoredRef;
        try {
          ref = await storedByToken(ev.token, this.#storage);
        } catch (e) {
          this.o.log("warn", `stored article ${ev.messageId || ev.token}: ${errorMessage(e)}`);
          return;
        }
        return this.#article(ref, traced);
      }
      case "lost":
        this.o.stats?.lost(ev.count);
        this.o.log("warn", `bpftrace lost ${ev.count} events; reconciling with the spool`);
        this.o.onLost?.();
        return;
      case "problem":
        this.o.log("warn", ev.text);
        return;
    }
  }

  /** Whether `pid` is this INN's innd; another (an instance with its own inn.conf) is named once. */
  async #fromOwnInnd(pid: number): Promise<boolean> {
    if (!this.o.ownInnd || (await this.o.ownInnd(pid))) return true;
    if (this.#strangers.add(String(pid))) {
      this.o.log(
        "warn",
        `ignoring articles stored by innd pid ${pid}: not this INN's innd (another instance?)`,
      );
    }
    return false;
  }

  /** Whether this run has handled group:number (traced, caught up, or named in an Xref). */
  seen(group: string, number: number): boolean {
    return this.#numbers.has(`${group}:${number}`);
  }

  /**
   * Reads, parses and delivers one spool article file, once per path and Message-ID. Never throws.
   * Resolves once it is journaled (or found not to be an article to send); a second call for a path
   * being handled (catch-up racing the trace) waits for the first.
   */
  article(path: string, seen: Sighting = { via: "catchup", at: Date.now() }): Promise<void> {
    const ref = storedAtPath(path, this.#storage);
    return ref ? this.#article(ref, seen) : DONE;
  }

  /** The same for a stored article found any other way (catch-up by token, say). */
  stored(ref: StoredRef): Promise<void> {
    return this.#article(ref, { via: "catchup", at: Date.now() });
  }

  #article(ref: StoredRef, seen: Sighting): Promise<void> {
    const key = ref.path ?? ref.token ?? "";
    const running = this.#inflight.get(key);
    if (running) return running;
    if (!this.#paths.add(key)) return DONE;
    const handling = this.#reads
      .run(() => this.#read(ref, seen))
      .finally(() => {
        this.#inflight.delete(key);
        // Seen only now: catch-up saves marks past what it counts as seen, so an article still
        // being read when a SIGKILL comes must not count yet.
        if (ref.group !== null && ref.number !== null)
          this.#numbers.add(`${ref.group}:${ref.number}`);
      });
    this.#inflight.set(key, handling);
    return handling;
  }

  async #read(ref: StoredRef, seen: Sighting): Promise<void> {
    const name = ref.path ?? ref.token ?? "?";
    const gate = this.o.route;
    // The path's group answers for the articles of a group someone wants (every article, when all
    // are wanted): read whole at once. The rest are routed from their header block first.
    const direct = !gate || (ref.group !== null && gate.likelyFiledIn(ref.group));
    let stored: StoredArticle;
    try {
      if (direct) stored = await readStored(ref, this.#load);
      else {
        const head = await this.#routed(ref, name, gate, seen);
        if (!head) return;
        stored = head;
      }
    } catch (e) {
      this.o.log("warn", `${name}: not read: ${errorMessage(e)}`);
      return;
    }
    if (!stored.complete)
      this.o.log("warn", `${name}: still growing after ${stored.waitedMs} ms; read as is`);
    let article: Article;
    try {
      article = await this.#parse(ref, stored, name);
    } catch (e) {
      this.o.log("warn", `${name}: unparsable article: ${errorMessage(e)}`);
      return;
    }
    if (this.#ids.add(article.messageId)) {
      this.o.stats?.seen(article, seen.via, seen.at);
      try {
        await this.o.deliver(article);
      } catch (e) {
        this.o.log("error", `${name}: not queued for delivery: ${errorMessage(e)}`);
      }
    }
    this.#filed(article);
  }

  /**
   * Routes an article from its header block (at most HEADER_BOUND bytes read): null when no
   * notifier takes it (handled: nothing more is read), else the article's bytes, read whole now if
   * the first read did not hold all of it. Throws when it cannot be read.
   */
  async #routed(
    ref: StoredRef,
    name: string,
    gate: RouteGate,
    seen: Sighting,
  ): Promise<StoredArticle | null> {
    const { stored, ended } = await readHead(ref, this.#load);
    if (!ended) {
      const what = stored.raw.length < stored.bytes ? `its first ${stored.raw.length} bytes` : "it";
      this.o.log(
        "warn",
        `${name}: no empty line ends the header in ${what} (bound ${HEADER_BOUND}); routed by the header as read`,
      );
    }
    let head: Article;
    try {
      head = parseStoredHeader(ref, stored, this.o.snippetChars, gate.reads);
    } catch (e) {
      this.o.log("warn", `${name}: unparsable article: ${errorMessage(e)}`);
      return null;
    }
    if (!gate.takes(head)) {
      if (this.#ids.add(head.messageId)) this.o.stats?.seen(head, seen.via, seen.at);
      this.#filed(head);
      return null;
    }
    // The first read may hold all of a short article, but only a complete one is the article.
    const whole =
      stored.complete && stored.raw.length >= Math.min(stored.bytes, this.o.read.maxBytes);
    if (whole) return stored;
    return readStored(ref, {
      ...this.#load,
      read: stored.complete ? { ...this.o.read, stored: true } : this.o.read,
    });
  }

  /** Its other groups' numbers (the hard links of a crosspost) need no catch-up either. */
  #filed(article: Article): void {
    for (const x of article.xref) this.#numbers.add(`${x.group}:${x.number}`);
  }

  async #parse(ref: StoredRef, stored: StoredArticle, name: string): Promise<Article> {
    const thread = this.o.parseThread;
    if (!thread) return parseStored(ref, stored, this.o.snippetChars);
    const { article, overBudget } = await parseStoredInThread(
      ref,
      stored,
      this.o.snippetChars,
      thread,
    );
    if (overBudget)
      this.o.log("warn", `${name}: body not parsed (${overBudget}); notified with its header only`);
    return article;
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
