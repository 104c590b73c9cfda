// @ts-check
/** After the run: the spool's article files → which fed article each is, and when it was created. */
import { closeSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { phaseOf } from "./articles.mjs";

/**
 * Every file under `dir` (recursively: timehash files sit in time-NN/bb/cc/, not by group) that is
 * one of this run's articles of `phase`, with its creation time.
 * @param {string} dir the group's spool directory (tradspool), or the spool (timehash)
 * @param {string} runId @param {string} phase which fed articles to keep
 * @param {Map<number, number>} createdByInode from the creation clock
 * @returns {import("./analyze.mjs").Filed[]}
 */
export function scanGroup(dir, runId, phase, createdByInode) {
  /** @type {import("./analyze.mjs").Filed[]} */
  const out = [];
  const head = Buffer.alloc(4096);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      out.push(...scanGroup(path, runId, phase, createdByInode));
      continue;
    }
    if (!entry.isFile()) continue;
    const fd = openSync(path, "r");
    let n;
    try {
      n = readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
    const m = /^Message-ID:\s*(<[^>\r\n]+>)/im.exec(head.toString("latin1", 0, n));
    if (!m?.[1] || phaseOf(m[1], runId) !== phase) continue;
    out.push({ id: m[1], path, createdMs: createdByInode.get(statSync(path).ino) ?? null });
  }
  return out;
}

/**
 * Storage methods without a file per article: the fed articles themselves, stamped by the history
 * clock (Message-ID → ms), with no path.
 * @param {string[]} ids Message-IDs innd accepted @param {Map<string, number>} storedById
 * @returns {import("./analyze.mjs").Filed[]}
 */
export function filedByHistory(ids, storedById) {
  return ids.map((id) => ({ id, path: null, createdMs: storedById.get(id) ?? null }));
}

/**
 * One entry per article: a crosspost is one file and hard links in its other groups' directories
 * (tradspool), so a scan of the whole spool finds it once per group. Keeps the first found.
 * @param {import("./analyze.mjs").Filed[]} filed
 */
export function uniqueById(filed) {
  const seen = new Set();
  return filed.filter((f) => !seen.has(f.id) && seen.add(f.id));
}
