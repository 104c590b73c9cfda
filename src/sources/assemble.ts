import type { TraceRecord } from "./protocol.js";

/** A file creation seen by the trace, before its path is rebuilt against mounts or cwd. */
export type TraceEvent =
  /** kprobe walk that reached its filesystem's root: `segments` run from that root to the file. */
  | { kind: "walk"; pid: number; probe: string; dev: number; segments: string[] }
  /** kprobe walk that ran out of unrolled depth: only the innermost segments, outermost first. */
  | { kind: "shortfall"; pid: number; probe: string; dev: number; segments: string[] }
  /** tracepoint open(O_CREAT): the path exactly as innd passed it, maybe relative to dirfd. */
  | { kind: "open"; pid: number; tid: number; dirfd: number; path: string }
  /** A walk whose lines did not all arrive, or whose names were cut short: reported, not guessed. */
  | { kind: "broken"; key: string; reason: string }
  | { kind: "lost"; count: number }
  | { kind: "attached"; probes: number }
  | { kind: "message"; text: string };

const O_ACCMODE = 0o3;
const O_CREAT = 0o100;
const O_EXCL = 0o200;

/**
 * Whether a successful open with these flags proves that it created a new file: innd files an
 * article with O_WRONLY|O_CREAT|O_EXCL, and O_EXCL fails on a file that exists. A read-only open,
 * or O_CREAT of an existing file, creates nothing: reporting it would re-notify an old article
 * whenever someone opens it that way. The program drops these in the kernel; this is the reader's
 * own check, for any program that does not.
 */
export function provesCreate(flags: number): boolean {
  return (flags & O_CREAT) !== 0 && (flags & O_EXCL) !== 0 && (flags & O_ACCMODE) !== 0;
}

interface Pending {
  segments: Map<number, { name: string; length: number }>;
}

/**
 * Pure state machine: trace records in arrival order → whole events. Lines of one walk are printed
 * by one probe run on one CPU, so they arrive in order, but walks from other CPUs interleave with
 * them; they are kept apart by key (tid + ktime).
 */
export class Assembler {
  readonly #pending = new Map<string, Pending>();

  /** @param maxPending walks without an end line kept at most; the oldest is dropped as broken. */
  constructor(private readonly maxPending = 1024) {}

  push(record: TraceRecord): TraceEvent[] {
    switch (record.kind) {
      case "segment": {
        let p = this.#pending.get(record.key);
        const out: TraceEvent[] = [];
        if (!p) {
          p = { segments: new Map() };
          this.#pending.set(record.key, p);
          out.push(...this.#evict());
        }
        p.segments.set(record.index, { name: record.name, length: record.length });
        return out;
      }
      case "end":
        return [this.#finish(record)];
      case "open":
        if (!provesCreate(record.flags)) return [];
        return [
          {
            kind: "open",
            pid: record.pid,
            tid: record.tid,
            dirfd: record.dirfd,
            path: record.path,
          },
        ];
      case "lost":
        return [{ kind: "lost", count: record.count }];
      case "attached":
        return [{ kind: "attached", probes: record.probes }];
      case "heartbeat":
        return [];
      case "message":
        return [{ kind: "message", text: record.text }];
      case "stored":
        // A uprobe program's line in a file-creation run: not ours to assemble.
        return [{ kind: "message", text: `unexpected stored-article line (${record.probe})` }];
    }
  }

  /** Walks still waiting for their end line (at shutdown: each is reported as broken). */
  flush(): TraceEvent[] {
    const out: TraceEvent[] = [];
    for (const key of this.#pending.keys()) {
      out.push({ kind: "broken", key, reason: "no end line (trace stopped or events lost)" });
    }
    this.#pending.clear();
    return out;
  }

  #evict(): TraceEvent[] {
    const out: TraceEvent[] = [];
    while (this.#pending.size > this.maxPending) {
      const oldest = this.#pending.keys().next().value as string;
      this.#pending.delete(oldest);
      out.push({ kind: "broken", key: oldest, reason: "no end line (events lost?)" });
    }
    return out;
  }

  #finish(end: Extract<TraceRecord, { kind: "end" }>): TraceEvent {
    const p = this.#pending.get(end.key);
    this.#pending.delete(end.key);
    const names: string[] = [];
    for (let i = 0; i < end.segments; i++) {
      const seg = p?.segments.get(i);
      if (!seg) {
        return { kind: "broken", key: end.key, reason: `segment ${i} of ${end.segments} missing` };
      }
      if (Buffer.byteLength(seg.name) < seg.length) {
        return {
          kind: "broken",
          key: end.key,
          reason: `segment ${i} cut to ${Buffer.byteLength(seg.name)} of ${seg.length} bytes (raise BPFTRACE_STRLEN)`,
        };
      }
      names.push(seg.name);
    }
    if (names.length === 0) return { kind: "broken", key: end.key, reason: "walk had no segments" };
    const segments = names.reverse();
    const base = { pid: end.pid, probe: end.probe, dev: end.dev, segments };
    return end.reachedRoot ? { kind: "walk", ...base } : { kind: "shortfall", ...base };
  }
}
