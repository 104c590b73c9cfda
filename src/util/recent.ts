import { own } from "./own.js";

/** A bounded set that remembers the most recently added keys: for "have we seen this already?". */
export class RecentSet {
  readonly #keys = new Set<string>();

  constructor(private readonly capacity: number) {}

  /** Adds key; returns false when it was already there (a duplicate). */
  add(key: string): boolean {
    if (this.#keys.has(key)) return false;
    // Kept long: a copy, so that the key does not keep a larger string (a trace line) alive.
    this.#keys.add(own(key));
    if (this.#keys.size > this.capacity) {
      const oldest = this.#keys.values().next().value as string;
      this.#keys.delete(oldest);
    }
    return true;
  }

  has(key: string): boolean {
    return this.#keys.has(key);
  }
}
