import type { Article } from "../article/article.js";
import type { PendingStore } from "./local-queue.js";

/**
 * Pending entries in memory only, for a Dispatcher used without a journal (test-hook, tests):
 * nothing survives the process, and a Message-ID is de-duplicated only while it is pending.
 */
export class MemoryStore implements PendingStore {
  readonly #pending = new Map<string, Map<string, { since: number; article: Article }>>();

  async admit(targets: readonly string[], article: Article): Promise<string[]> {
    return this.admitNow(targets, article);
  }

  /** The same, at once (Dispatcher.dispatch returns synchronously). */
  admitNow(targets: readonly string[], article: Article): string[] {
    const since = Date.now();
    const fresh: string[] = [];
    for (const target of targets) {
      const slots = this.#pending.get(target) ?? new Map();
      this.#pending.set(target, slots);
      if (slots.has(article.messageId)) continue;
      slots.set(article.messageId, { since, article });
      fresh.push(target);
    }
    return fresh;
  }

  *entries(target: string): IterableIterator<[string, number]> {
    for (const [id, slot] of this.#pending.get(target) ?? []) yield [id, slot.since];
  }

  count(target: string): number {
    return this.#pending.get(target)?.size ?? 0;
  }

  targets(): string[] {
    return [...this.#pending.keys()].filter((t) => this.count(t) > 0);
  }

  read(target: string, messageId: string): Article {
    const slot = this.#pending.get(target)?.get(messageId);
    if (!slot) throw new Error(`memory queue: ${target} has no pending ${messageId}`);
    return slot.article;
  }

  async replace(target: string, article: Article): Promise<void> {
    const slot = this.#pending.get(target)?.get(article.messageId);
    if (!slot) throw new Error(`memory queue: ${target} has no pending ${article.messageId}`);
    slot.article = article;
  }

  flush(): void {}

  async doneMany(target: string, messageIds: readonly string[]): Promise<void> {
    for (const id of messageIds) this.#pending.get(target)?.delete(id);
  }

  async drop(target: string, messageId: string): Promise<void> {
    this.#pending.get(target)?.delete(messageId);
  }

  async sync(): Promise<void> {}

  async close(): Promise<void> {}
}
