import type { SdNotify } from "../system/sdnotify.js";

/**
 * What systemd (Type=notify) is told about a run: READY=1 with the source once bpftrace attached
 * (again after each re-attach), then STATUS= with the count of articles admitted since start.
 */
export class SystemdStatus {
  #admitted = 0;
  #source: string | null = null;

  constructor(
    private readonly sd: Pick<SdNotify, "ready" | "status">,
    private readonly spool: string,
  ) {}

  /** A program attached (at start, after a restart, after a handover). */
  attached(source: string): void {
    this.#source = source;
    this.sd.ready(
      `${source} mode, watching ${this.spool}; ${this.#admitted} article(s) since start`,
    );
  }

  /** An article was admitted to delivery. */
  admitted(messageId: string): void {
    this.#admitted++;
    this.sd.status(
      `${this.#source} mode; ${this.#admitted} article(s) since start, last ${messageId}`,
    );
  }
}
