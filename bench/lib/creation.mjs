// @ts-check
/**
 * The reference clock for "file created": the bench's own tiny bpftrace program on ext4's
 * inode-allocation tracepoint, limited to the bench group's directory. It fires inside innd's
 * open(O_CREAT), in the kernel, and stamps it with the monotonic clock the bench uses, so every
 * contender is measured from the same instant. It is cheap (it runs only when ext4 allocates an
 * inode, not on every syscall) and independent of all contenders.
 *
 *   const clock = await startCreationClock({ dir: "/.../bench/test" });
 *   clock.byInode  // Map<inode number, created at (ms)>
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

/** @param {{dir: string}} o */
export async function startCreationClock(o) {
  const st = statSync(o.dir);
  const program = [
    'BEGIN { printf("R\\n"); }',
    `tracepoint:ext4:ext4_allocate_inode /args->dir == ${st.ino} && args->dev == ${kernelDev(st.dev)}/`,
    '{ printf("C %llu %llu\\n", nsecs, args->ino); }',
  ].join("\n");
  /** @type {Map<number, number>} */
  const byInode = new Map();
  const stderr = /** @type {string[]} */ ([]);
  const spawnedMs = nowMs();
  // The reference must not lose events in a burst: a perf buffer far above bpftrace's default 64 pages.
  const env = { ...process.env, BPFTRACE_PERF_RB_PAGES: "2048" };
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
        const m = /^C (\d+) (\d+)$/.exec(line);
        if (m) {
          const ino = Number(m[2]);
          if (!byInode.has(ino)) byInode.set(ino, nsToMs(/** @type {string} */ (m[1])));
        } else if (line === "R") resolve(undefined);
        else if (/^Lost \d+ events/.test(line)) stderr.push(line);
      },
    );
    p.once("exit", (code) =>
      reject(
        new Error(
          `creation clock (bpftrace on ext4:ext4_allocate_inode) exited (${code}): ${stderr.join(" | ")}. ` +
            "The bench needs the spool on ext4.",
        ),
      ),
    );
  });
  return {
    byInode,
    /** bpftrace spawn → attached, for a tiny one-probe program (compare with newsnotify's). */
    startupMs: nowMs() - spawnedMs,
    pid: p.pid,
    messages: () => stderr,
    stop: () => stopChild(p, "SIGINT"),
  };
}
