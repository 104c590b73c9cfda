// @ts-check
/** After the run: the group's article files → which fed article each is, and when it was created. */
import { closeSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { phaseOf } from "./articles.mjs";

/**
 * @param {string} dir the group's spool directory
 * @param {string} runId @param {string} phase which fed articles to keep
 * @param {Map<number, number>} createdByInode from the creation clock
 * @returns {import("./analyze.mjs").Filed[]}
 */
export function scanGroup(dir, runId, phase, createdByInode) {
  const out = [];
  const head = Buffer.alloc(4096);
  for (const name of readdirSync(dir)) {
    if (!/^\d+$/.test(name)) continue;
    const path = join(dir, name);
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
