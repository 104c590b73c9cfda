import type { Article } from "../article/article.js";

/**
 * Articles waiting for a worker, in order: an array read from a head index (not shift(): O(1) per
 * article), compacted once most of it has been taken.
 */
export class ArticleQueue {
  #items: (Article | undefined)[] = [];
  #head = 0;

  /** Articles waiting. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  push(article: Article): void {
    this.#items.push(article);
  }

  /** Removes and returns the first `n` (at most as many as are waiting). */
  take(n: number): Article[] {
    const end = Math.min(this.#head + n, this.#items.length);
    const taken = this.#items.slice(this.#head, end) as Article[];
    this.#items.fill(undefined, this.#head, end);
    this.#head = end;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return taken;
  }
}
