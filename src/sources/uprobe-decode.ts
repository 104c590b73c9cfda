/**
 * The uprobe and smstore programs' lines (scripts/trace.bt, sections uprobe and smstore) → events.
 * Pure. Formats (one printf each, the free-form field last):
 *   U <pid> <tid> <ktime_ns> <token> <Message-ID>    InndHisWrite's entry: every stored article
 *   T <pid> <tid> <ktime_ns> <token>                 SMstore's return (no Message-ID there)
 * <token> is the 18-byte TOKEN as bpftrace's %rx prints it (\x02\x01…); 36 hex digits are accepted too.
 * Which storage method a token belongs to is storage/'s business (storage/token.ts); here only the
 * two types with no article are dropped: 00 trash and FF TOKEN_EMPTY.
 */
import type { TraceRecord } from "./protocol.js";
import type { SourceEvent } from "./source.js";

/** One stored article as the program printed it; the token not yet judged. */
export interface StoredRecord {
  kind: "stored";
  probe: "InndHisWrite" | "SMstore";
  pid: number;
  tid: number;
  ns: bigint;
  /** INN's text form, @…@. */
  token: string;
  /** As innd had it; null from SMstore, which has none. Possibly cut by str(): see isCut. */
  messageId: string | null;
}

const HIS = /^U (\d+) (\d+) (\d+) (\S+) ([\s\S]*)$/;
const SM = /^T (\d+) (\d+) (\d+) (\S+)$/;
const RX = /^(?:\\x[0-9a-fA-F]{2}){18}$/;
const HEX = /^[0-9a-fA-F]{36}$/;
/** INN's trash method (type 0) and TOKEN_EMPTY (255): nothing stored, nothing to read. */
const TRASH = 0;
const EMPTY = 255;

/** A printf's text (trailing newline ours) → a record, or null when it is not a U/T line. */
export function parseStoredPrintf(
  data: string,
): StoredRecord | { kind: "bad"; text: string } | null {
  const text = data.endsWith("\n") ? data.slice(0, -1) : data;
  const m = HIS.exec(text) ?? SM.exec(text);
  if (!m) return null;
  const raw = m[4] as string;
  const hex = RX.test(raw) ? raw.replaceAll("\\x", "") : HEX.test(raw) ? raw : null;
  if (hex === null)
    return {
      kind: "bad",
      text: `a stored-article line with no 18-byte token: ${JSON.stringify(text.slice(0, 120))}`,
    };
  return {
    kind: "stored",
    probe: text.startsWith("U") ? "InndHisWrite" : "SMstore",
    pid: Number(m[1]),
    tid: Number(m[2]),
    ns: BigInt(m[3] as string),
    token: `@${hex.toUpperCase()}@`,
    messageId: m[5] ?? null,
  };
}

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
  return [{ kind: "stored", messageId: id, token: r.token }];
}

/**
 * The uprobe/smstore sources' decoder. `push` takes protocol.ts's records and, once protocol.ts
 * parses U/T lines (parseStoredPrintf), StoredRecords; until then a U/T line arrives as an
 * "unexpected trace output" message, which it recovers here.
 */
/** Assignable to source.ts's Decoder (the tests check); push also takes StoredRecords and answers synchronously. */
export interface UprobeDecoder {
  push(record: TraceRecord | StoredRecord): SourceEvent[];
  flush(): SourceEvent[];
}

export function uprobeDecoder(strlen: number): UprobeDecoder {
  return {
    push(record: TraceRecord | StoredRecord): SourceEvent[] {
      switch (record.kind) {
        case "stored":
          return storedEvents(record, strlen);
        case "lost":
          return [{ kind: "lost", count: record.count }];
        case "heartbeat":
        case "attached":
          return [];
        case "message": {
          const m = /^unexpected trace output: ("[\s\S]*")$/.exec(record.text);
          if (m) {
            const r = parseStoredPrintf(JSON.parse(m[1] as string) as string);
            if (r?.kind === "stored") return storedEvents(r, strlen);
            if (r?.kind === "bad") return [{ kind: "problem", text: r.text }];
          }
          return [{ kind: "problem", text: record.text }];
        }
        default:
          return [
            { kind: "problem", text: `unexpected ${record.kind} record from the uprobe program` },
          ];
      }
    },
    flush: () => [],
  };
}
