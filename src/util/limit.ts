/** At most `max` tasks at once; the rest wait their turn in arrival order. */
export class Limit {
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.max) await new Promise<void>((r) => this.#waiting.push(r));
    else this.#active++;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter (it does not increment again).
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active--;
    }
  }
}
