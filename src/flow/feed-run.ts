import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Article } from "../article/article.js";
import { effectivePatterns, parseNewsfeeds, type Subscription } from "../inn/newsfeeds.js";
import type { SourceEvent } from "../sources/source.js";
import type { Stats } from "../stats/stats.js";
import { ParseThread } from "../storage/parse-thread.js";
import { findStored } from "../storage/registry.js";
import { errorMessage } from "../util/errors.js";
import type { Log } from "../util/log.js";
import { RecentSet } from "../util/recent.js";
import { CatchUp } from "./catchup.js";
import type { Delivery } from "./delivery.js";
import type { ArticleFlow } from "./pipeline.js";
import { runFlow } from "./run-flow.js";
import type { RunState } from "./run-state.js";
import { type Setup, storageContext } from "./setup.js";

export interface FeedRunOptions {
  setup: Setup;
  /**
   * What innd feeds the entry (its newsfeeds patterns); null when they cannot be known, and then
   * there is no catch-up: it must never notify what innd would not have fed.
   */
  subscription: Subscription | null;
  state: Pick<RunState, "marks" | "outbox">;
  delivery: Pick<Delivery, "admit">;
  log: Log;
  stats: Stats;
}

/**
 * One feed run: innd's lines → flow → delivery, and the catch-up that makes a SIGKILL cost
 * nothing. innd forgets a line once it is in the pipe (and drops what it held for a program it
 * reaps), so lines unread at a kill are gone; their articles are in the spool. At start, catch-up
 * (flow/catchup.ts, as for `watch`) reads the articles above the saved high-water marks in the
 * groups the entry wants, and notifies those innd would have fed that this run has not handled;
 * the marks move past what the run handles, so a restart reads little again, and the outbox's
 * memory of each (notifier, Message-ID) sends nothing twice.
 */
export class FeedRun {
  readonly #o: FeedRunOptions;
  readonly #parseThread = new ParseThread();
  readonly #flow: ArticleFlow;
  readonly #catchUp: CatchUp | null;
  /** group:number of the articles catch-up found: each is notified only if innd would feed it. */
  readonly #found = new RecentSet(131_072);

  constructor(o: FeedRunOptions) {
    this.#o = o;
    const { setup, log, stats, subscription } = o;
    const storage = storageContext(setup);
    // innd sends what the entry subscribes; the notifiers' own routes are asked before a body is read.
    this.#flow = runFlow(setup, {
      parseThread: this.#parseThread,
      storage,
      log,
      deliver: (article) => this.#admit(article),
      stats,
    });
    this.#catchUp =
      subscription &&
      new CatchUp({
        spool: setup.spool,
        storage,
        activeFile: setup.config.activeFile,
        marks: o.state.marks,
        limits: setup.config.catchUp,
        log,
        seen: (g, n) => this.#flow.seen(g, n),
        article: (ref) => this.#flow.stored(ref),
        find: (refs) => {
          const wanted = refs.filter((r) => subscription.wantsGroup(r.group));
          for (const r of wanted) this.#found.add(`${r.group}:${r.number}`);
          return findStored(wanted, storage);
        },
        beforeSave: () => o.state.outbox.sync(),
        stats,
      });
  }

  handle(ev: SourceEvent): Promise<void> {
    return this.#flow.handle(ev);
  }

  /** Articles filed since the marks that this run has not handled (runs in the background). */
  catchUp(): Promise<void> {
    return this.#catchUp?.request("start") ?? Promise.resolve();
  }

  /**
   * The marks moved past what this run has handled (journaled) so far: called while it runs, so
   * that after a SIGKILL the next start's catch-up reads only the last stretch again, and at the
   * end. A failure costs only reading again at the next start: said, not thrown.
   */
  async saveProgress(): Promise<void> {
    await this.#catchUp
      ?.saveProgress()
      .catch((e: unknown) =>
        this.#o.log(
          "warn",
          `catch-up marks not saved (the next start reads again): ${errorMessage(e)}`,
        ),
      );
  }

  close(): void {
    void this.#parseThread.close();
  }

  async #admit(article: Article): Promise<void> {
    const found = article.xref.some((x) => this.#found.has(`${x.group}:${x.number}`));
    // A crosspost into a group the entry poisons (@) is in a wanted group's spool, but innd never fed it.
    if (found && !this.#o.subscription?.feeds(article.xref.map((x) => x.group))) return;
    await this.#o.delivery.admit(article);
  }
}

/**
 * The patterns innd matches the entry `site`'s articles against (the ME entry's first), from
 * `<pathetc>/newsfeeds`; null (said why) when the file or the entry cannot be found.
 */
export async function readSitePatterns(
  etc: string,
  site: string,
  log: Log,
): Promise<string[] | null> {
  const file = join(etc, "newsfeeds");
  try {
    const entries = parseNewsfeeds(await readFile(file, "utf8"));
    if (entries.some((e) => e.site === site)) return effectivePatterns(entries, site);
    log("warn", `no entry ${site} in ${file}: no catch-up (pass --site with the entry's name)`);
  } catch (e) {
    log("warn", `cannot read ${file}: ${errorMessage(e)}; no catch-up`);
  }
  return null;
}
