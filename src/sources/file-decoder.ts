import { posix } from "node:path";
import { Assembler, type TraceEvent } from "./assemble.js";
import type { TraceRecord } from "./protocol.js";
import { candidatePaths, type ResolveIO } from "./resolve.js";
import type { Decoder, SourceEvent } from "./source.js";

/**
 * The decoder of the file-creation sources (kprobe walk, syscall tracepoints): records → whole
 * walks or opens (Assembler) → the created file's absolute paths (against innd's mounts or cwd).
 */
export function fileDecoder(io?: ResolveIO): Decoder {
  const assembler = new Assembler();
  return {
    push: (record: TraceRecord) => {
      const events = assembler.push(record);
      if (events.length === 0) return [];
      // A created path needs /proc (innd's mounts, cwd): only those events wait for I/O. innd
      // files by absolute path, so nearly every line is decoded here and now, with no promise.
      if (!events.some(needsIO)) return events.flatMap(plain);
      return Promise.all(events.map((e) => decode(e, io))).then((all) => all.flat());
    },
    flush: () => assembler.flush().flatMap(plain),
  };
}

async function decode(ev: TraceEvent, io: ResolveIO | undefined): Promise<SourceEvent[]> {
  if (ev.kind !== "walk" && ev.kind !== "open") return plain(ev);
  const { paths, reason } = await candidatePaths(ev, io);
  const out: SourceEvent[] = [];
  if (reason) out.push({ kind: "problem", text: `created file not resolved: ${reason}` });
  if (paths.length > 0) out.push({ kind: "file", paths, pid: ev.pid });
  return out;
}

/** A kprobe walk (against innd's mounts) or an open relative to a directory (its /proc link). */
function needsIO(ev: TraceEvent): boolean {
  return ev.kind === "walk" || (ev.kind === "open" && !ev.path.startsWith("/"));
}

/** The events that need no I/O. */
function plain(ev: TraceEvent): SourceEvent[] {
  switch (ev.kind) {
    case "shortfall":
      return [{ kind: "partial", segments: ev.segments }];
    case "broken":
      return [{ kind: "problem", text: `incomplete trace event ${ev.key}: ${ev.reason}` }];
    case "lost":
      return [{ kind: "lost", count: ev.count }];
    case "message":
      return [{ kind: "problem", text: `bpftrace: ${ev.text}` }];
    case "open":
      // An absolute path, as candidatePaths gives it.
      return [{ kind: "file", paths: [posix.normalize(ev.path)], pid: ev.pid }];
    case "attached":
    case "walk":
      return [];
  }
}
