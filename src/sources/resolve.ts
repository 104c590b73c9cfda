import { readlink } from "node:fs/promises";
import { posix } from "node:path";
import { errorMessage } from "../util/errors.js";
import { readPseudoFile } from "../util/pseudo-file.js";
import type { TraceEvent } from "./assemble.js";
import { type Mount, parseMountInfo, pathsOnMounts } from "./mounts.js";

/** AT_FDCWD as the kernel passes it in openat's dirfd. */
export const AT_FDCWD = -100;

/** The I/O the resolver needs, injectable for tests. */
export interface ResolveIO {
  readlink(path: string): Promise<string>;
  readFile(path: string): Promise<string>;
}

const realIO: ResolveIO = {
  readlink: (p) => readlink(p),
  readFile: (p) => readPseudoFile(p),
};

/**
 * Turns a trace event into the absolute paths the created file may have (several only when its
 * filesystem is mounted more than once). Returns [] with a reason when it cannot.
 */
export async function candidatePaths(
  ev: Extract<TraceEvent, { kind: "walk" } | { kind: "open" }>,
  io: ResolveIO = realIO,
): Promise<{ paths: string[]; reason?: string }> {
  if (ev.kind === "open") {
    if (ev.path.startsWith("/")) return { paths: [posix.normalize(ev.path)] };
    // A relative path is relative to dirfd, or to the cwd for AT_FDCWD: ask /proc while innd runs.
    const base = ev.dirfd === AT_FDCWD ? `/proc/${ev.pid}/cwd` : `/proc/${ev.pid}/fd/${ev.dirfd}`;
    try {
      const dir = await io.readlink(base);
      return { paths: [posix.resolve(dir, ev.path)] };
    } catch (e) {
      return {
        paths: [],
        reason: `relative path ${JSON.stringify(ev.path)}: cannot read ${base}: ${errorMessage(e)}`,
      };
    }
  }
  const mounts = await readMounts(ev.pid, io);
  const paths = pathsOnMounts(ev.dev, ev.segments, mounts);
  if (paths.length === 0) {
    return { paths: [], reason: `no mount of device ${ev.dev} holds /${ev.segments.join("/")}` };
  }
  return { paths };
}

/** innd's own mount table (it may live in another mount namespace), else ours. */
async function readMounts(pid: number, io: ResolveIO): Promise<Mount[]> {
  for (const file of [`/proc/${pid}/mountinfo`, "/proc/self/mountinfo"]) {
    try {
      return parseMountInfo(await io.readFile(file));
    } catch {
      // innd may have exited already; fall back to ours.
    }
  }
  return [];
}
