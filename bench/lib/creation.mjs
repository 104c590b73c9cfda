// @ts-check
/**
 * The reference clock for "file created": the bench's own tiny bpftrace program on ext4's
 * inode-allocation tracepoint, limited to our private innd on the spool's filesystem. It fires
 * inside innd's open(O_CREAT), in the kernel, and stamps it with the monotonic clock the bench
 * uses, so every contender is measured from the same instant. It is cheap (it runs only when ext4
 * allocates an inode, not on every syscall) and independent of all contenders.
 *
 *   const clock = await startCreationClock({ dir: spool, pid: innd.pid });
 *   clock.byInode  // Map<inode number, created at (ms)>
 *
 * For storage methods with no file per article (timecaf, CNFS) there is no creation to see:
 * startHistoryClock stamps innd's call of InndHisWrite (the article stored, its Message-ID
 * recorded in history) instead, with a uprobe: a later moment than creation (the article has been
 * written), so its latencies compare between contenders of one run, not with file-creation runs.
 *
 *   const clock = await startHistoryClock({ pid: innd.pid });
 *   clock.byMessageId  // Map<Message-ID, stored at (ms)>
 */
import { spawn } from "node:child_process";
import { statSync } from "node:fs";
import { createInterface } from "node:readline";
import { stopChild } from "./child.mjs";
import { nowMs, nsToMs } from "./clock.mjs";

/**
 * The kernel's dev_t (major << 20 | minor) for a userspace st_dev (glibc's encoding).
 * @param {number} dev
 */
export function kernelDev(dev) {
  const major = ((dev >>> 8) & 0xfff) | (Math.floor(dev / 2 ** 32) & ~0xfff);
  const minor = (dev & 0xff) | ((dev >>> 12) & ~0xff & 0xfffff);
  return major * 2 ** 20 + minor;
}

/** @param {{dir: string, pid: number}} o a directory on the spool's filesystem; innd's pid */
export async function startCreationClock(o) {
  const st = statSync(o.dir);
  const program = [
    'BEGIN { printf("R\\n"); }',
    `tracepoint:ext4:ext4_allocate_inode /pid == ${o.pid} && args->dev == ${kernelDev(st.dev)}/`,
    '{ printf("C %llu %llu\\n", nsecs, args->ino); }',
  ].join("\n");
  /** @type {Map<number, number>} */
  const byInode = new Map();
  const clock = await runClock(program, {}, (at, key) => {
    const ino = Number(key);
    if (!byInode.has(ino)) byInode.set(ino, at);
  });
  return { ...clock, byInode, reference: /** @type {const} */ ("creation") };
}

/** @param {{pid: number, innd: string}} o innd's pid and binary */
export async function startHistoryClock(o) {
  const program = [
    'BEGIN { printf("R\\n"); }',
    `uprobe:${o.innd}:InndHisWrite /pid == ${o.pid}/`,
    '{ printf("C %llu %s\\n", nsecs, str(arg0)); }',
  ].join("\n");
  /** @type {Map<string, number>} */
  const byMessageId = new Map();
  const clock = await runClock(program, { BPFTRACE_STRLEN: "200" }, (at, key) => {
    if (!byMessageId.has(key)) byMessageId.set(key, at);
  });
  return { ...clock, byMessageId, reference: /** @type {const} */ ("history") };
}

/**
 * Runs a clock program that prints "R" once attached and "C <nsecs> <key>" per event.
 * @param {string} program @param {Record<string, string>} extraEnv
 * @param {(at: number, key: string) => void} onEvent
 */
async function runClock(program, extraEnv, onEvent) {
  const stderr = /** @type {string[]} */ ([]);
  const spawnedMs = nowMs();
  // The reference must not lose events in a burst: a perf buffer far above bpftrace's default 64 pages.
  const env = { ...process.env, BPFTRACE_PERF_RB_PAGES: "2048", ...extraEnv };
  const p = spawn("bpftrace", ["-e", program], { env, stdio: ["ignore", "pipe", "pipe"] });
  createInterface({ input: /** @type {import("node:stream").Readable} */ (p.stderr) }).on(
    "line",
    (l) => {
      if (!l.includes("RLIMIT_MEMLOCK")) stderr.push(l);
    },
  );
  await new Promise((resolve, reject) => {
    createInterface({ input: /** @type {import("node:stream").Readable} */ (p.stdout) }).on(
      "line",
      (line) => {
        const m = /^C (\d+) (\S+)$/.exec(line);
        if (m) onEvent(nsToMs(/** @type {string} */ (m[1])), /** @type {string} */ (m[2]));
        else if (line === "R") resolve(undefined);
        else if (/^Lost \d+ events/.test(line)) stderr.push(line);
      },
    );
    p.once("exit", (code) =>
      reject(
        new Error(
          `the bench's reference clock (bpftrace) exited (${code}): ${stderr.join(" | ")}. ` +
            "The file-creation clock needs the spool on ext4.",
        ),
      ),
    );
  });
  return {
    /** bpftrace spawn → attached, for a tiny one-probe program (compare with newsnotify's). */
    startupMs: nowMs() - spawnedMs,
    pid: p.pid,
    messages: () => stderr,
    stop: () => stopChild(p, "SIGINT"),
  };
}
