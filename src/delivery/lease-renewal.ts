/**
 * Keeps a shared queue's leases alive while their sends run (a heartbeat): every third of the
 * lease, the leases still held are renewed for a whole lease (on the database's clock, by
 * `renew`), so a send longer than the lease is not claimed and sent again by another node. A
 * lease found taken by another node (this one stalled past it) is logged and no longer renewed.
 */
import { errorMessage } from "../util/errors.js";
import type { Log } from "../util/log.js";
import { printable } from "../util/printable.js";
import { realTimers, type Timers } from "../util/timers.js";
import type { Work } from "./work.js";

export interface LeaseRenewalOptions {
  /** The lease each renewal grants (ms); renewals come every third of it. */
  leaseMs: number;
  /** Renews these leases; resolves with those this node no longer holds (taken, or finished). */
  renew(held: readonly Work[]): Promise<readonly Work[]>;
  log?: Log;
  timers?: Timers;
}

/** Renewals per lease: two may fail (a slow or restarting database) before the lease runs out. */
export const RENEWALS_PER_LEASE = 3;

const key = (w: Work) => `${w.target}\u0000${w.messageId}`;

export class LeaseRenewal {
  readonly #held = new Map<string, Work>();
  readonly #timers: Timers;
  #cancel: (() => void) | null = null;
  #renewing = false;
  #closed = false;

  constructor(private readonly o: LeaseRenewalOptions) {
    this.#timers = o.timers ?? realTimers;
  }

  /** Claimed: renewed from now on until let go. */
  hold(work: readonly Work[]): void {
    if (this.#closed) return;
    for (const w of work) this.#held.set(key(w), w);
    this.#schedule();
  }

  /** Done, failed, dropped or released: no longer renewed (call before settling it). */
  letGo(work: readonly Work[]): void {
    for (const w of work) this.#held.delete(key(w));
    if (this.#held.size === 0) this.#stop();
  }

  /** How many leases are being renewed. */
  get size(): number {
    return this.#held.size;
  }

  close(): void {
    this.#closed = true;
    this.#held.clear();
    this.#stop();
  }

  #schedule(): void {
    if (this.#cancel || this.#renewing || this.#held.size === 0 || this.#closed) return;
    const every = Math.max(1, Math.floor(this.o.leaseMs / RENEWALS_PER_LEASE));
    this.#cancel = this.#timers.after(every, () => {
      this.#cancel = null;
      void this.#renew();
    });
  }

  #stop(): void {
    this.#cancel?.();
    this.#cancel = null;
  }

  async #renew(): Promise<void> {
    this.#renewing = true;
    try {
      const lost = await this.o.renew([...this.#held.values()]);
      // Let go meanwhile (done before the renewal answered): not lost, just finished.
      const stillHeld = lost.filter((w) => this.#held.has(key(w)));
      for (const w of stillHeld) this.#held.delete(key(w));
      if (stillHeld.length > 0) {
        const ids = stillHeld.map((w) => printable(w.messageId)).join(", ");
        this.o.log?.(
          "warn",
          `lost the lease on ${stillHeld.length} notification(s) being sent (${ids}): another ` +
            "node holds or finished them (this one stalled past the lease); it may send them too, " +
            "with the same Idempotency-Key",
        );
      }
    } catch (e) {
      // Tried again at the next turn; the shared queue recorded the error for status.
      this.o.log?.("warn", `renewing leases failed (trying again): ${errorMessage(e)}`);
    } finally {
      this.#renewing = false;
      this.#schedule();
    }
  }
}
