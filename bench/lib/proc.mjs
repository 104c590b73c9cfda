// @ts-check
/** CPU time and peak memory of processes, from /proc (Linux only). */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

const TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/**
 * CPU seconds (user+system) of a live process, all its threads (not its children), or null when it
 * is gone. From each thread's schedstat (ns on the CPU): /proc/PID/stat counts 10 ms ticks, too
 * coarse for innd, which files a few hundred articles in 40 ms of CPU.
 * @param {number} pid
 */
export function cpuSeconds(pid) {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    }
    return ns / 1e9;
  } catch {
    return ticksSeconds(pid);
  }
}

/**
 * CPU seconds of a process's main thread alone, or null. Node names none of its threads, so the rest
 * (libuv's pool: fs calls, fdatasync; V8's: GC, compiling) is the total minus this.
 * @param {number} pid
 */
export function mainThreadSeconds(pid) {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, "utf8").split(" ")[0]) / 1e9;
  } catch {
    return null;
  }
}

/**
 * User and system CPU seconds of a process (all threads) from /proc/PID/stat, in clock ticks (10 ms):
 * coarse, but over a burst of seconds it tells the kernel's share (system calls) apart.
 * @param {number} pid
 */
export function userSysSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { user: Number(f[11]) / TICKS, sys: Number(f[12]) / TICKS };
  } catch {
    return null;
  }
}

/** The same from /proc/PID/stat (clock ticks), where schedstat is missing. @param {number} pid */
function ticksSeconds(pid) {
  const t = userSysSeconds(pid);
  return t ? t.user + t.sys : null;
}

/**
 * Peak (VmHWM) and current (VmRSS) resident set size in MB, and the current one split into private
 * (RssAnon) and file-backed (RssFile), or null when the process is gone.
 * @param {number} pid
 */
export function memoryMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (/** @type {string} */ key) =>
      Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) / 1024;
    // RssFile is mostly shared libraries (bpftrace maps LLVM): pages other processes share too.
    return {
      peakRssMb: kb("VmHWM"),
      rssMb: kb("VmRSS"),
      anonMb: kb("RssAnon"),
      fileMb: kb("RssFile"),
    };
  } catch {
    return null;
  }
}

/** The pids of a process's descendants (children first). @param {number} pid @returns {number[]} */
export function descendants(pid) {
  const out = [];
  /** @type {number[]} */
  let direct = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim();
      if (text) direct = direct.concat(text.split(" ").map(Number));
    }
  } catch {
    return [];
  }
  for (const c of direct) out.push(c, ...descendants(c));
  return out;
}

/** The command name (comm) of a process, or null. @param {number} pid */
export function commOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return null;
  }
}

/** Pids of processes whose comm is `name`. @param {string} name @returns {number[]} */
export function pidsByComm(name) {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => commOf(pid) === name);
}

/**
 * Snapshot of CPU seconds for named groups of pids, to subtract later.
 * @param {Record<string, number[]>} groups
 */
export function cpuSnapshot(groups) {
  /** @type {Record<string, Record<number, number | null>>} */
  const snap = {};
  for (const [name, pids] of Object.entries(groups)) {
    snap[name] = Object.fromEntries(pids.map((p) => [p, cpuSeconds(p)]));
  }
  return snap;
}

/**
 * CPU seconds each group used between two snapshots. A pid present only in `after` (restarted
 * meanwhile) counts from zero; one gone by `after` is reported in `lost`.
 * @param {ReturnType<typeof cpuSnapshot>} before @param {ReturnType<typeof cpuSnapshot>} after
 */
export function cpuDelta(before, after) {
  /** @type {Record<string, {seconds: number, perPid: Record<number, number>, lost: number[]}>} */
  const out = {};
  const r3 = (/** @type {number} */ x) => Math.round(x * 1000) / 1000;
  for (const [name, pids] of Object.entries(after)) {
    let seconds = 0;
    /** @type {Record<number, number>} */
    const perPid = {};
    const lost = [];
    for (const [pid, end] of Object.entries(pids)) {
      const start = before[name]?.[Number(pid)] ?? 0;
      if (end === null) {
        if (start !== null) lost.push(Number(pid));
        continue;
      }
      perPid[Number(pid)] = r3(end - (start ?? 0));
      seconds += end - (start ?? 0);
    }
    out[name] = { seconds: r3(seconds), perPid, lost };
  }
  return out;
}
