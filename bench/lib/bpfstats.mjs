// @ts-check
/**
 * The BPF programs' own run time. A BPF program runs in the context of the process that hit its
 * probe (innd's open(), or any process's, before the comm filter rejects it), so its CPU shows in
 * that process's schedstat, not in bpftrace's. With `kernel.bpf_stats_enabled=1` the kernel counts
 * each program's run time and runs; every program fd's /proc/PID/fdinfo says them (`prog_id`,
 * `run_time_ns`, `run_cnt`), so the programs of one bpftrace process are read from its own fds.
 * (bpftool prog show prints the same counters, but Debian 12's bpftool 7.1 has no pid column to
 * tell whose program is whose; it is used only for the programs' names.) What the counters leave out: the probe's entry cost around the
 * program (for a uprobe, the breakpoint trap and return, some µs, stays in innd's time).
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";

const SYSCTL = "/proc/sys/kernel/bpf_stats_enabled";

/**
 * Turns the counters on. Returns a restore function (back to the value found), or the reason it
 * cannot (then the BPF column stays empty and the report says why).
 * @returns {{ok: true, restore: () => void} | {ok: false, why: string}}
 */
export function enableBpfStats() {
  let before;
  try {
    before = readFileSync(SYSCTL, "utf8").trim();
    if (before !== "1") writeFileSync(SYSCTL, "1\n");
  } catch (e) {
    return { ok: false, why: `${SYSCTL}: ${/** @type {Error} */ (e).message}` };
  }
  return {
    ok: true,
    restore: () => {
      if (before !== "1") writeFileSync(SYSCTL, `${before}\n`);
    },
  };
}

/** Whether the counters are still on (someone may turn them off during a run). */
export function bpfStatsOn() {
  try {
    return readFileSync(SYSCTL, "utf8").trim() === "1";
  } catch {
    return false;
  }
}

/**
 * Pure: one /proc/PID/fdinfo/N → the BPF program behind that fd, or null for any other fd.
 * @param {string} text
 */
export function parseFdinfo(text) {
  const field = (/** @type {string} */ k) => {
    const m = new RegExp(`^${k}:\\s+(\\d+)$`, "m").exec(text);
    return m ? Number(m[1]) : null;
  };
  const id = field("prog_id");
  if (id === null) return null;
  return { id, runTimeNs: field("run_time_ns") ?? 0, runCnt: field("run_cnt") ?? 0 };
}

/**
 * The BPF programs whose fds these processes hold, by id, with their counters now.
 * @param {number[]} pids
 * @returns {Map<number, {runTimeNs: number, runCnt: number}>}
 */
export function bpfPrograms(pids) {
  const progs = new Map();
  for (const pid of pids) {
    let fds;
    try {
      fds = readdirSync(`/proc/${pid}/fdinfo`);
    } catch {
      continue; // gone
    }
    for (const fd of fds) {
      let p;
      try {
        p = parseFdinfo(readFileSync(`/proc/${pid}/fdinfo/${fd}`, "utf8"));
      } catch {
        continue;
      }
      if (p) progs.set(p.id, { runTimeNs: p.runTimeNs, runCnt: p.runCnt });
    }
  }
  return progs;
}

/**
 * Program id → name (bpftrace names them after the probe, cut to 15 characters), from
 * `bpftool prog show` when it is installed; empty otherwise (names are only a help in the report).
 * @returns {Map<number, string>}
 */
export function programNames() {
  try {
    const list = JSON.parse(
      execFileSync("bpftool", ["-j", "prog", "show"], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      }),
    );
    return new Map(list.map((/** @type {any} */ p) => [Number(p.id), `${p.type}:${p.name}`]));
  } catch {
    return new Map();
  }
}

/**
 * Pure: what the programs ran between two readings. A program only in `after` counts from zero.
 * @param {Map<number, {runTimeNs: number, runCnt: number}>} before
 * @param {Map<number, {runTimeNs: number, runCnt: number}>} after
 * @param {Map<number, string>} [names] program names, where known
 */
export function bpfDelta(before, after, names = new Map()) {
  const programs = [...after].map(([id, a]) => {
    const b = before.get(id) ?? { runTimeNs: 0, runCnt: 0 };
    const name = names.get(id);
    return {
      id,
      ...(name ? { name } : {}),
      runTimeNs: a.runTimeNs - b.runTimeNs,
      runCnt: a.runCnt - b.runCnt,
    };
  });
  return {
    runTimeNs: programs.reduce((n, p) => n + p.runTimeNs, 0),
    runCnt: programs.reduce((n, p) => n + p.runCnt, 0),
    programs,
  };
}
