// @ts-check
/**
 * Pure: what was fed, when each file was created, and what each contender reported → the figures.
 */
import { cdfPoints, round3, summarize } from "./stats.mjs";

/**
 * @typedef {{ name: string, keyKind: "messageId" | "path", byKey: Map<string, number[]> }} Reported
 * @typedef {{ id: string, path: string | null, createdMs: number | null }} Filed
 *   path: null where the storage method keeps no file per article (timecaf, CNFS)
 */

/**
 * @param {{ expected: string[], filed: Filed[], reported: Reported, unwanted?: string[] }} input
 *   expected: Message-IDs innd accepted (239) in the measured phase that the contender should
 *   report (all of them, or those a narrow subscription wants); filed: those articles' files and
 *   creation times; reported: one contender's receipts; unwanted: the phase's other accepted
 *   articles, which it should not report (the busy feed)
 */
export function analyzeContender({ expected, filed, reported, unwanted = [] }) {
  const byId = new Map(filed.map((f) => [f.id, f]));
  const pathToId = new Map(filed.flatMap((f) => (f.path === null ? [] : [[f.path, f.id]])));
  const want = new Set(expected);
  const unwant = new Set(unwanted);
  /** @type {Map<string, number[]>} Message-ID → receipt times */
  const got = new Map();
  let other = 0;
  let unwantedReceipts = 0;
  let unwantedArticles = 0;
  for (const [key, times] of reported.byKey) {
    const id = reported.keyKind === "path" ? pathToId.get(key) : key;
    if (id !== undefined && unwant.has(id)) {
      unwantedReceipts += times.length;
      unwantedArticles++;
      continue;
    }
    if (id === undefined || !want.has(id)) {
      other += times.length;
      continue;
    }
    got.set(id, [...(got.get(id) ?? []), ...times]);
  }
  const latencies = [];
  let duplicated = 0;
  let lastReceipt = -Infinity;
  for (const [id, times] of got) {
    duplicated += times.length - 1;
    const first = Math.min(...times);
    lastReceipt = Math.max(lastReceipt, first);
    const created = byId.get(id)?.createdMs;
    if (created != null) latencies.push(first - created);
  }
  const created = filed.map((f) => f.createdMs).filter((t) => t !== null);
  const firstCreated = Math.min(...created);
  const lastCreated = Math.max(...created);
  const missed = expected.filter((id) => !got.has(id));
  const spanS = (lastReceipt - firstCreated) / 1000;
  return {
    delivered: got.size,
    missed: missed.length,
    missedSample: missed.slice(0, 5),
    duplicated,
    /** Receipts that were not for an article of this phase (the warm-up and sync articles too). */
    other,
    /** Articles of this phase it should not have reported, and its receipts of them (should be 0). */
    unwantedDelivered: unwantedArticles,
    unwantedReceipts,
    latencyMs: roundAll(summarize(latencies)),
    /** Receipts earlier than the kernel's creation stamp: a clock problem if ever non-zero. */
    negative: latencies.filter((l) => l < 0).length,
    /** Delivered articles per second, from the first file created to the last notification. */
    throughput: got.size > 0 && spanS > 0 ? Math.round(got.size / spanS) : null,
    /** How long after innd created the last file this contender delivered its last notification. */
    drainMs: got.size > 0 ? round3(lastReceipt - lastCreated) : null,
    cdf: cdfPoints(latencies),
  };
}

/** innd's own pace: files created per second over the phase. @param {Filed[]} filed */
export function creationRate(filed) {
  const t = filed.map((f) => f.createdMs).filter((x) => x !== null);
  if (t.length < 2) return null;
  const span = (Math.max(...t) - Math.min(...t)) / 1000;
  return span > 0 ? Math.round(t.length / span) : null;
}

/** @template {Record<string, number | null>} T @param {T} o @returns {T} */
function roundAll(o) {
  return /** @type {T} */ (
    Object.fromEntries(
      Object.entries(o).map(([k, v]) => [k, typeof v === "number" ? round3(v) : v]),
    )
  );
}
