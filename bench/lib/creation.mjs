// @ts-check
/**
 * The reference clock for "file created": the bench's own tiny bpftrace program on ext4's
 * inode-allocation tracepoint, limited to our private innd on the spool's filesystem. It fires
 * inside innd's open(O_CREAT), in the kernel, and stamps it with the monotonic clock the bench
 * uses, so every contender is measured from the same instant. It is cheap (it runs only when ext4
 * allocates an inode, not on every syscall, and only stores the stamp in a BPF map, printed when it
 * stops: a printf per event cost innd some 22 µs each here, mostly waking the reader) and
 * independent of all contenders. Its stamps are complete once stop() has resolved.
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

/**
 * @param {{dir: string, pid: number, maxEvents: number}} o a directory on the spool's filesystem;
 *   innd's pid; how many stamps the map must hold (every inode innd allocates while it runs)
 */
export async function startCreationClock(o) {
  const st = statSync(o.dir);
  const program = [
    'BEGIN { printf("R\\n"); }',
    `tracepoint:ext4:ext4_allocate_inode /pid == ${o.pid} && args->dev == ${kernelDev(st.dev)}/`,
    "{ @c[args->ino] = nsecs; }",
  ].join("\n");
  /** @type {Map<number, number>} */
  const byInode = new Map();
  const clock = await runClock(program, o.maxEvents, {}, (at, key) => {
    byInode.set(Number(key), at);
  });
  return { ...clock, byInode, reference: /** @type {const} */ ("creation") };
}

/** @param {{pid: number, innd: string, maxEvents: number}} o innd's pid and binary; map size */
export async function startHistoryClock(o) {
  const program = [
    'BEGIN { printf("R\\n"); }',
    `uprobe:${o.innd}:InndHisWrite /pid == ${o.pid}/`,
    "{ @c[str(arg0)] = nsecs; }",
  ].join("\n");
  /** @type {Map<string, number>} */
  const byMessageId = new Map();
  const clock = await runClock(program, o.maxEvents, { BPFTRACE_STRLEN: "200" }, (at, key) => {
    byMessageId.set(key, at);
  });
  return { ...clock, byMessageId, reference: /** @type {const} */ ("history") };
}

/**
 * Runs a clock program that prints "R" once attached and keeps `@c[key] = nsecs` per event; bpftrace
 * prints the map ("@c[key]: nsecs") when stopped with SIGINT.
 * @param {string} program @param {number} maxEvents @param {Record<string, string>} extraEnv
 * @param {(at: number, key: string) => void} onEvent
 */
async function runClock(program, maxEvents, extraEnv, onEvent) {
  const stderr = /** @type {string[]} */ ([]);
  const spawnedMs = nowMs();
  // The map must hold every stamp of the run (bpftrace 0.17's default is 4,096 keys).
  const env = { ...process.env, BPFTRACE_MAP_KEYS_MAX: String(maxEvents), ...extraEnv };
  const p = spawn("bpftrace", ["-e", program], { env, stdio: ["ignore", "pipe", "pipe"] });
  const closed = new Promise((r) => p.once("close", r));
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
        const m = /^@c\[(.+)\]: (\d+)$/.exec(line);
        if (m) onEvent(nsToMs(/** @type {string} */ (m[2])), /** @type {string} */ (m[1]));
        else if (line === "R") resolve(undefined);
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
    /** Stops it; resolves once its map has been printed and read. */
    async stop() {
      await stopChild(p, "SIGINT");
      await closed;
    },
  };
}
