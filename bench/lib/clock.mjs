// @ts-check
/**
 * The bench's one clock: CLOCK_MONOTONIC in milliseconds (µs precision). process.hrtime reads
 * CLOCK_MONOTONIC, and bpftrace's `nsecs` is bpf_ktime_get_ns(), the same clock, so kernel
 * creation times and user-space receipt times compare directly, with no wall-clock conversion.
 * (File birth times are no use here: ext4 stamps them from the coarse clock, 4 ms ticks at HZ=250.)
 */

/** Now, in ms since boot (CLOCK_MONOTONIC). */
export function nowMs() {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
}

/** A bpftrace `nsecs` value (decimal string) → ms on the same scale as nowMs(). @param {string} ns */
export function nsToMs(ns) {
  return Number(BigInt(ns) / 1000n) / 1000;
}

/** @param {number} ms */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
