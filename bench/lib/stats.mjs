// @ts-check
/** Pure statistics over latency samples (ms). */

/**
 * Nearest-rank percentile of an ascending array (p in 0..100): the smallest sample such that at
 * least p% of samples are ≤ it. Nearest-rank never invents a value that was not measured.
 * @param {number[]} sorted
 * @param {number} p
 */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
}

/**
 * @param {number[]} samples
 * @returns {{n: number, min: number|null, p50: number|null, p95: number|null, p99: number|null, max: number|null, mean: number|null}}
 */
export function summarize(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : null;
  return {
    n: s.length,
    min: s[0] ?? null,
    p50: percentile(s, 50),
    p95: percentile(s, 95),
    p99: percentile(s, 99),
    max: s.at(-1) ?? null,
    mean,
  };
}

/**
 * A CDF reduced to at most `points` (latency, fraction) pairs, for the plot and the JSON: keeps the
 * tail exact (every sample of the last 1%) because that is where contenders differ.
 * @param {number[]} samples
 * @param {number} points
 * @returns {[number, number][]}
 */
export function cdfPoints(samples, points = 400) {
  const s = [...samples].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return [];
  const keep = new Set();
  const step = Math.max(1, Math.floor(n / points));
  for (let i = 0; i < n; i += step) keep.add(i);
  for (let i = Math.floor(n * 0.99); i < n; i++) keep.add(i);
  keep.add(n - 1);
  // Fractions keep 5 decimals: at 3, the tail of a 10,000-sample run would collapse onto 0.99.
  return [...keep]
    .sort((a, b) => a - b)
    .map((i) => [round3(s[i] ?? 0), Math.round(((i + 1) / n) * 1e5) / 1e5]);
}

/** @param {number} x */
export function round3(x) {
  return Math.round(x * 1000) / 1000;
}

/**
 * Median and range of one figure over repeated runs (nulls, from runs where it could not be
 * measured, are left out). An even count takes the mean of the middle two.
 * @param {(number | null | undefined)[]} values
 * @returns {{median: number | null, min: number | null, max: number | null, n: number}}
 */
export function spread(values) {
  const s = values
    .filter((v) => typeof v === "number" && Number.isFinite(v))
    .map(Number)
    .sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return { median: null, min: null, max: null, n: 0 };
  const mid = Math.floor(n / 2);
  const median = n % 2 ? /** @type {number} */ (s[mid]) : (Number(s[mid - 1]) + Number(s[mid])) / 2;
  return { median: round3(median), min: s[0] ?? null, max: s[n - 1] ?? null, n };
}
