import { type SmOptions, type SmResult, smRead } from "./sm.js";

interface Waiter {
  resolve: (article: Buffer) => void;
  reject: (e: Error) => void;
}

/**
 * Reads articles that have no file of their own (timecaf, CNFS) by token, through INN's `sm`,
 * batched: an sm run costs 5–15 ms to start and about 0.15 ms per article in a batch of 50
 * (bench/results/storage-readers.md), so the tokens that arrive while one run is busy go together
 * in the next. At most `parallel` runs at once.
 */
export class TokenReader {
  readonly #waiting = new Map<string, Waiter[]>();
  #running = 0;
  #scheduled = false;

  constructor(
    private readonly sm: SmOptions = {},
    private readonly parallel = 2,
    private readonly read: typeof smRead = smRead,
  ) {}

  /** The article stored under `token`, in wire format; rejects with sm's reason when it has none. */
  article(token: string): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const list = this.#waiting.get(token);
      if (list) list.push({ resolve, reject });
      else this.#waiting.set(token, [{ resolve, reject }]);
      this.#schedule();
    });
  }

  /** Waits one turn of the event loop, so that a burst's tokens share a run. */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#running < this.parallel && this.#waiting.size > 0) {
      const batch = [...this.#waiting.entries()].slice(0, this.sm.batch ?? 100);
      for (const [token] of batch) this.#waiting.delete(token);
      this.#running++;
      void this.#run(new Map(batch)).finally(() => {
        this.#running--;
        this.#pump();
      });
    }
  }

  async #run(batch: Map<string, Waiter[]>): Promise<void> {
    let results: Map<string, SmResult>;
    try {
      results = await this.read([...batch.keys()], this.sm);
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      for (const waiters of batch.values()) for (const w of waiters) w.reject(error);
      return;
    }
    for (const [token, waiters] of batch) {
      const r = results.get(token) ?? { ok: false, reason: "sm said nothing about it" };
      for (const w of waiters) {
        if (r.ok) w.resolve(r.article);
        else w.reject(new Error(`sm: ${r.reason}`));
      }
    }
  }
}
