import type { InnStorageMethod } from "../inn/storage-methods.js";
import type { HostFacts } from "../system/host.js";

/**
 * What a source saw innd do, decoded from its bpftrace lines: the one event type the flow reads,
 * whatever the source. Nothing here knows about INN's storage layouts (that is storage/'s job).
 */
export type SourceEvent =
  /** innd created a file; the absolute paths it may have (several only for a filesystem mounted twice). */
  | { kind: "file"; paths: string[]; pid: number }
  /**
   * innd stored an article (any storage method): its Message-ID ("" when the probe could not read
   * it whole) and INN's token in text form (@…@); pid is the storing innd's (another instance on
   * the same binary fires the same probe).
   */
  | { kind: "stored"; messageId: string; token: string; pid: number }
  /** A created file known only by its innermost path segments (a kprobe walk ran out of depth). */
  | { kind: "partial"; segments: string[] }
  /** bpftrace dropped events: the spool should be reconciled (catch-up). */
  | { kind: "lost"; count: number }
  /** Something worth one log line (a broken walk, an unresolvable path, a bpftrace message). */
  | { kind: "problem"; text: string };

/** What a source needs to generate its program. Every value is validated before it reaches bpftrace. */
export interface ProgramContext {
  /** innd's comm (1–15 characters of A-Za-z0-9._+-). */
  comm: string;
  /** INN's user (runasuser), whose uid every probe filters on: innd runs as it. */
  uid: number;
  /** The spool's real path. */
  spool: string;
  /** Deepest group in the active file (directory levels). */
  deepestGroup: number;
  /** Extra levels walked beyond the deepest group. */
  depthMargin: number;
  host: HostFacts;
  /** Set by `script --depth`: overrides the computed walk depth. */
  depthOverride?: number;
}

export interface Program {
  /** The source's name (registry.ts's SourceName). */
  source: string;
  text: string;
  /** For the ready line and `script`: e.g. "walk depth 18" or "uprobe on /usr/lib/news/bin/innd:InndHisWrite". */
  detail: string;
  /** The kprobe walk's depth (0 for sources without a walk). */
  depth: number;
  /** The binary a uprobe is attached to (by inode: a replaced file needs a new attach). */
  binary?: string;
}

/** Turns one bpftrace run's parsed lines into events; one decoder per run (it may keep state). */
export interface Decoder {
  push(record: import("./protocol.js").TraceRecord): SourceEvent[] | Promise<SourceEvent[]>;
  /** At the end of a run: whatever is left half-done, reported. */
  flush(): SourceEvent[];
}

/** One detection source; registry.ts lists them and derives SourceName from their names. */
export interface Source<N extends string = string> {
  readonly name: N;
  /** One line for --help and doctor. */
  readonly summary: string;
  /** Which INN storage methods this source can see articles of. */
  readonly sees: readonly InnStorageMethod[];
  /** Pure: can it run on this host, and why (not). */
  check(host: HostFacts): { ok: boolean; reason: string };
  /** The concrete program for this host and config. */
  program(ctx: ProgramContext): Program;
  decoder(): Decoder;
  /** When its program fails to attach in auto mode, try this one instead (a registered name). */
  readonly fallback?: string;
}
