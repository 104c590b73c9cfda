import type { Article } from "../article/article.js";
import type { Notifier } from "../notify/notifier.js";
import type { Route } from "../notify/route.js";
import type { DeliveryRecorder } from "../stats/stats.js";
import { errorMessage } from "../util/errors.js";
import { printable } from "../util/printable.js";
import { isRefused } from "./retry.js";

/**
 * A notifier under its stable target key (targets.ts), counting its deliveries and failures for
 * `status` and /metrics. What it is given to send comes from the delivery queue (work.ts).
 */
export class RecordedNotifier implements Notifier {
  constructor(
    private readonly inner: Notifier,
    readonly target: string,
    private readonly record?: DeliveryRecorder,
  ) {}

  get label(): string {
    return this.inner.label;
  }

  /** The inner notifier's route: which articles are enqueued for it at all (see admit.ts). */
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

  get maxBacklog(): number | undefined {
    return this.inner.maxBacklog;
  }

  /** Entries the queue dropped past maxBacklog: counted with the other drops. */
  overflowed(count: number): void {
    this.record?.overflowed(this.target, count);
  }

  preview(article: Article): unknown {
    return this.inner.preview(article);
  }

  async send(article: Article, signal?: AbortSignal): Promise<void> {
    try {
      await this.inner.send(article, signal);
    } catch (e) {
      // Refused for good (e.g. HTTP 400): the lane drops it from the queue.
      this.#failed(e, isRefused(e) ? 1 : 0, signal);
      throw e;
    }
    this.record?.delivered(this.target, [article.messageId]);
  }

  /**
   * One request for them all. A batch refused for good is not counted as dropped: the lane then
   * sends its articles one by one, so that one article the service will not take does not cost
   * the others.
   */
  async sendBatch(articles: readonly Article[], signal?: AbortSignal): Promise<void> {
    if (!this.inner.sendBatch) {
      for (const article of articles) await this.send(article, signal);
      return;
    }
    try {
      await this.inner.sendBatch(articles, signal);
    } catch (e) {
      this.#failed(e, 0, signal);
      throw e;
    }
    this.record?.delivered(
      this.target,
      articles.map((a) => a.messageId),
    );
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
