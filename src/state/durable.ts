import { createHash } from "node:crypto";
import type { Article } from "../article/article.js";
import type { Notifier } from "../notify/notifier.js";
import type { Outbox } from "./outbox.js";

/**
 * A stable name per configured notifier, from its config entry (not its position), so that pending
 * notifications find their notifier again after a restart, even if the list was reordered.
 */
export function targetKeys(entries: readonly unknown[]): string[] {
  const seen = new Map<string, number>();
  return entries.map((entry) => {
    const hash = createHash("sha256").update(JSON.stringify(entry)).digest("hex").slice(0, 16);
    const n = (seen.get(hash) ?? 0) + 1;
    seen.set(hash, n);
    return n === 1 ? hash : `${hash}#${n}`;
  });
}

/**
 * Puts the outbox around a notifier: it sends only what is journaled as pending for it, and marks
 * each delivery done once the target accepted it. A duplicate (already done) is skipped silently.
 */
export class JournaledNotifier implements Notifier {
  constructor(
    private readonly inner: Notifier,
    readonly target: string,
    private readonly outbox: Outbox,
  ) {}

  get label(): string {
    return this.inner.label;
  }

  preview(article: Article): unknown {
    return this.inner.preview(article);
  }

  async send(article: Article, signal?: AbortSignal): Promise<void> {
    if (!this.outbox.isPending(this.target, article.messageId)) return;
    await this.inner.send(article, signal);
    await this.outbox.done(this.target, article.messageId);
  }
}
