import type { Article } from "../article/article.js";
import type { Notifier } from "../notify/notifier.js";
import type { Route } from "../notify/route.js";
import type { Outbox } from "../state/outbox.js";
import { errorMessage } from "../util/errors.js";
import { printable } from "../util/printable.js";
import type { DeliveryRecorder } from "../util/stats.js";
import { isRefused } from "./retry.js";

/**
 * Puts the outbox around a notifier: it sends only what is journaled as pending for it, and marks
 * each delivery done once the target accepted it. A duplicate (already done) is skipped silently.
 */
export class JournaledNotifier implements Notifier {
  constructor(
    private readonly inner: Notifier,
    readonly target: string,
    private readonly outbox: Outbox,
    /** Counts deliveries and failures for `status` and /metrics. */
    private readonly record?: DeliveryRecorder,
  ) {}

  get label(): string {
    return this.inner.label;
  }

  /** The inner notifier's route: which articles are journaled for it at all (see admit.ts). */
  get route(): Route | undefined {
    return this.inner.route;
  }

  get concurrency(): number | undefined {
    return this.inner.concurrency;
  }

  get maxBatch(): number | undefined {
    return this.inner.maxBatch;
  }

  get digestEveryMs(): number | undefined {
    return this.inner.digestEveryMs;
  }

  preview(article: Article): unknown {
    return this.inner.preview(article);
  }

  async send(article: Article, signal?: AbortSignal): Promise<void> {
    if (!this.outbox.isPending(this.target, article.messageId)) return;
    // Its journal line is written before the article leaves: a SIGKILL from here on cannot lose it.
    this.outbox.flush();
    try {
      await this.inner.send(article, signal);
    } catch (e) {
      // Refused for good (e.g. HTTP 400): the dispatcher gives up, and so must the outbox.
      const refused = isRefused(e);
      if (refused) {
        await this.outbox.drop(this.target, article.messageId, e.message);
      }
      this.#failed(e, refused ? 1 : 0, signal);
      throw e;
    }
    this.record?.delivered(this.target, [article.messageId]);
    // Not awaited: a crash before the line is written only means this article is sent once more
    // (at-least-once).
    this.outbox.done(this.target, article.messageId).catch(() => {});
  }

  /**
   * The pending ones in one request; all marked done together (one journal write). A batch refused
   * for good is not dropped here: the dispatcher then retries its articles one by one, so that one
   * article the service will not take does not cost the others.
   */
  async sendBatch(articles: readonly Article[], signal?: AbortSignal): Promise<void> {
    const pending = articles.filter((a) => this.outbox.isPending(this.target, a.messageId));
    if (pending.length === 0) return;
    if (!this.inner.sendBatch) {
      for (const article of pending) await this.send(article, signal);
      return;
    }
    this.outbox.flush();
    try {
      await this.inner.sendBatch(pending, signal);
    } catch (e) {
      // A refused batch is split and retried one by one: nothing is dropped yet.
      this.#failed(e, 0, signal);
      throw e;
    }
    this.record?.delivered(
      this.target,
      pending.map((a) => a.messageId),
    );
    this.outbox
      .doneMany(
        this.target,
        pending.map((a) => a.messageId),
      )
      .catch(() => {});
  }

  #failed(e: unknown, dropped: number, signal: AbortSignal | undefined): void {
    // Aborted by close() at a stop: not the target's failure.
    if (signal?.aborted) return;
    this.record?.failed(
      this.target,
      printable(errorMessage(e).replace(/\s*\n\s*/g, " | ")),
      dropped,
    );
  }
}
