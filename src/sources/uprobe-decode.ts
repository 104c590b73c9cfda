/**
 * The uprobe and smstore programs' lines (scripts/trace.bt, sections uprobe and smstore) → events.
 * Pure. Formats (one printf each, the free-form field last):
 *   U <pid> <tid> <ktime_ns> <token> <Message-ID>    InndHisWrite's entry: every stored article
 *   T <pid> <tid> <ktime_ns> <token>                 SMstore's return (no Message-ID there)
 * <token> is the 18-byte TOKEN as bpftrace's %rx prints it (\x02\x01…); 36 hex digits are accepted too.
 * Which storage method a token belongs to is storage/'s business (storage/token.ts); here only the
 * two types with no article are dropped: 00 trash and FF TOKEN_EMPTY.
 */
import type { StoredRecord, TraceRecord } from "./protocol.js";

export { parseStoredPrintf, type StoredRecord } from "./protocol.js";

/** INN's trash method (type 0) and TOKEN_EMPTY (255): nothing stored, nothing to read. */
const TRASH = 0;
const EMPTY = 255;

import type { SourceEvent } from "./source.js";

/**
 * Whether str() may have cut a Message-ID: innd's end with '>', and str() keeps at most strlen-1
 * bytes (BPFTRACE_STRLEN, 200 at most on bpftrace 0.17), so a full-length one may be a prefix.
 */
export function isCut(messageId: string, strlen: number): boolean {
  return !messageId.endsWith(">") || Buffer.byteLength(messageId, "latin1") >= strlen - 1;
}

/**
 * A record → the events the flow reads. messageId is "" when the program had none (SMstore) or
 * may have cut it: the flow takes it from the article read by token. Trash and empty tokens have
 * no article: nothing to report (innd trashes by configuration; an empty one is `ctlinnd addhist`).
 */
export function storedEvents(r: StoredRecord, strlen: number): SourceEvent[] {
  const type = Number.parseInt(r.token.slice(1, 3), 16);
  if (type === TRASH || type === EMPTY) return [];
  const id = r.messageId === null || isCut(r.messageId, strlen) ? "" : r.messageId;
  return [{ kind: "stored", messageId: id, token: r.token, pid: r.pid }];
}

/** The uprobe/smstore sources' decoder: protocol.ts's records → events, synchronously. */
export interface UprobeDecoder {
  push(record: TraceRecord): SourceEvent[];
  flush(): SourceEvent[];
}

export function uprobeDecoder(strlen: number): UprobeDecoder {
  return {
    push(record: TraceRecord): SourceEvent[] {
      switch (record.kind) {
        case "stored":
          return storedEvents(record, strlen);
        case "lost":
          return [{ kind: "lost", count: record.count }];
        case "heartbeat":
        case "attached":
          return [];
        case "message":
          return [{ kind: "problem", text: record.text }];
        default:
          return [
            { kind: "problem", text: `unexpected ${record.kind} record from the uprobe program` },
          ];
      }
    },
    flush: () => [],
  };
}
