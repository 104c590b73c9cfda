// @ts-check
/** What the run needs (checked first, with what to do) and what it ran on (recorded with results). */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { INNBIN } from "./inn.mjs";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const OWN_BIN = fileURLToPath(new URL("../../bin/newsnotify", import.meta.url));

/**
 * Throws one message listing everything missing for this run.
 * @param {{mode?: string, bin?: string | null, feed?: string}} [p]
 */
export function preflight(p = {}) {
  const missing = [];
  if (process.getuid?.() !== 0) missing.push("root (bpftrace needs it; run with sudo)");
  if (spawnSync("bpftrace", ["--version"]).status !== 0)
    missing.push("bpftrace (apt-get install bpftrace)");
  if (!existsSync(`${INNBIN}/innd`))
    missing.push("inn2 (apt-get install inn2; see scripts/test.sh)");
  // The busy feed has no inotifywait contender (it cannot filter groups).
  if (p.feed !== "busy" && spawnSync("inotifywait", ["--help"]).error)
    missing.push("inotifywait (apt-get install inotify-tools)");
  const dist = p.bin ? join(dirname(p.bin), "../dist/cli.js") : `${REPO}/dist/cli.js`;
  if (!existsSync(dist)) missing.push(`a built newsnotify at ${dist} (npm ci, or npm run build)`);
  if (p.mode === "kprobe" && !existsSync("/sys/kernel/tracing/kprobe_events")) {
    missing.push(
      "kprobes (this kernel has no kprobe_events: CONFIG_KPROBES is not set; " +
        "measure --mode kprobe in the VM, see PLATFORM.md)",
    );
  }
  if (!existsSync("/sys/kernel/tracing/events")) {
    missing.push("tracefs (mount -t tracefs tracefs /sys/kernel/tracing)");
  }
  if (missing.length) throw new Error(`bench prerequisites missing: ${missing.join("; ")}`);
}

/** @param {string} cmd @param {string[]} args */
function out(cmd, args, cwd = REPO) {
  try {
    return execFileSync(cmd, args, {
      encoding: "utf8",
      cwd,
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return null;
  }
}

/** @param {string | null} [bin] the newsnotify CLI measured, when not this checkout's */
export function machineInfo(bin) {
  // The commit measured is the one of the checkout whose build runs (--bin: that other checkout).
  const repo = bin ? join(dirname(bin), "..") : REPO;
  const status = out("git", ["status", "--porcelain", "--", "src", "scripts"], repo);
  return {
    kernel: readFileSync("/proc/sys/kernel/osrelease", "utf8").trim(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "",
    node: process.version,
    bpftrace: out("bpftrace", ["--version"]),
    inotifywait:
      spawnSync("inotifywait", ["--help"], { encoding: "utf8" }).stdout?.split("\n")[0] ?? null,
    commit: out("git", ["rev-parse", "--short", "HEAD"], repo),
    /** The bench's own commit (the harness), when it differs from the one measured. */
    benchCommit: out("git", ["rev-parse", "--short", "HEAD"]),
    /** Uncommitted changes under src/ and scripts/ when measured (dist/ is built from the tree). */
    uncommittedSourceFiles: status === null ? null : status.split("\n").filter(Boolean).length,
    /** The build measured: its dist/ was compiled at this time (from the tree as it was then). */
    newsnotifyBin: bin ?? OWN_BIN,
    distBuiltAt: statSync(join(dirname(bin ?? OWN_BIN), "../dist/cli.js")).mtime.toISOString(),
  };
}

export function load() {
  return loadavg().map((x) => Math.round(x * 100) / 100);
}
