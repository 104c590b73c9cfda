/**
 * The line protocol between the generated bpftrace program and the reader. Pure: one line of
 * `bpftrace -f json` output in, one record out. See scripts/trace.bt for the printf formats.
 *
 * We run bpftrace with `-f json` rather than text: a file name may contain a newline (or look like
 * one of our own lines), and JSON keeps each printf whole and unambiguous; banners, warnings and
 * lost-event counts also arrive as typed objects instead of free text.
 */

export type TraceRecord =
  /** One path segment of a kprobe walk; index 0 is the created file itself. */
  | { kind: "segment"; key: string; index: number; length: number; name: string }
  /** End of a kprobe walk: how many segments, whether the filesystem root was reached. */
  | {
      kind: "end";
      key: string;
      segments: number;
      reachedRoot: boolean;
      dev: number;
      pid: number;
      tid: number;
      probe: string;
    }
  /** A successful open(O_CREAT)/creat seen by the tracepoint program. */
  | {
      kind: "open";
      pid: number;
      tid: number;
      ns: bigint;
      dirfd: number;
      flags: number;
      path: string;
    }
  /** An article innd stored (uprobe on InndHisWrite, or SMstore's return). */
  | StoredRecord
  | { kind: "attached"; probes: number }
  /** bpftrace's periodic sign of life (and our way to notice a dead reader: SIGPIPE). */
  | { kind: "heartbeat" }
  | { kind: "lost"; count: number }
  /** Anything else bpftrace said (warnings, errors, unknown objects), kept for the log. */
  | { kind: "message"; text: string };

const SEGMENT = /^S (\d+) (\d+) (\d+) (\d+) ([\s\S]*)$/;
const END = /^E (\d+) (\d+) (\d+) ([01]) (\d+) (\d+) (\w+)$/;
const OPEN = /^O (\d+) (\d+) (\d+) (-?\d+) (-?\d+) (-?\d+) ([\s\S]*)$/;

/** Parses one stdout line of `bpftrace -f json`. Never throws. */
export function parseLine(line: string): TraceRecord | null {
  const trimmed = line.trim();
  if (trimmed === "") return null;
  let obj: unknown;
  try {
    obj = JSON.parse(trimmed);
  } catch {
    return { kind: "message", text: trimmed };
  }
  if (typeof obj !== "object" || obj === null) return { kind: "message", text: trimmed };
  const { type, data } = obj as { type?: unknown; data?: unknown };
  if (type === "printf" && typeof data === "string") return parsePrintf(data);
  if (type === "attached_probes" && isRecord(data) && typeof data.probes === "number") {
    return { kind: "attached", probes: data.probes };
  }
  if (type === "lost_events" && isRecord(data) && typeof data.events === "number") {
    return { kind: "lost", count: data.events };
  }
  return { kind: "message", text: trimmed };
}

/** Parses the text of one printf (its trailing newline is ours, not the file name's). */
export function parsePrintf(data: string): TraceRecord {
  // Only the uprobe programs print U and T lines: the walk and open lines skip this parse.
  const stored = data[0] === "U" || data[0] === "T" ? parseStoredPrintf(data) : null;
  if (stored) return stored.kind === "stored" ? stored : { kind: "message", text: stored.text };
  const text = data.endsWith("\n") ? data.slice(0, -1) : data;
  let m = SEGMENT.exec(text);
  if (m) {
    return {
      kind: "segment",
      key: `${m[1]}:${m[2]}`,
      index: Number(m[3]),
      length: Number(m[4]),
      name: m[5] ?? "",
    };
  }
  m = END.exec(text);
  if (m) {
    return {
      kind: "end",
      key: `${m[1]}:${m[2]}`,
      segments: Number(m[3]),
      reachedRoot: m[4] === "1",
      dev: Number(m[5]),
      pid: Number(m[6]),
      tid: Number(m[1]),
      probe: m[7] ?? "",
    };
  }
  if (/^H \d+$/.test(text)) return { kind: "heartbeat" };
  m = OPEN.exec(text);
  if (m) {
    return {
      kind: "open",
      pid: Number(m[1]),
      tid: Number(m[2]),
      ns: BigInt(m[3] ?? "0"),
      dirfd: Number(m[4]),
      flags: Number(m[5]),
      path: m[7] ?? "",
    };
  }
  return { kind: "message", text: `unexpected trace output: ${JSON.stringify(text)}` };
}

/** Parses one stderr line of bpftrace into a log-worthy message, or null for known noise. */
export function classifyStderr(
  line: string,
): { level: "info" | "warn" | "error"; text: string } | null {
  const t = line.trim();
  if (t === "") return null;
  // bpftrace 0.17 prints this at start on kernels that account BPF memory by cgroup: harmless.
  if (t.includes("couldn't set RLIMIT_MEMLOCK")) return null;
  if (/^Attaching \d+ probes?/.test(t)) return { level: "info", text: t };
  if (/WARNING/i.test(t)) return { level: "warn", text: t };
  return { level: "error", text: t };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null;
}

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
