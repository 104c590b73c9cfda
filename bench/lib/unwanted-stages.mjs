// @ts-check
/**
 * The unwanted article's path in watch, stage by stage (issue 22's ≤ 0.1 ms per unwanted article):
 * each step that ArticleFlow takes for an article no notifier wants, run alone over the same
 * articles, then the floor under them: what node costs to receive one line from a pipe and to open,
 * check and read one small file, with none of newsnotify's code.
 *
 * Pure of output: `stage` (micro.mjs's) prints each row.
 */
import { spawn } from "node:child_process";
import { closeSync, fstatSync, openSync, readlinkSync, readSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

/**
 * @param {object} o
 * @param {(name: string, fn: () => Promise<void> | void, per?: number) => Promise<void>} o.stage
 * @param {(p: string) => Promise<any>} o.dist  imports a module of the build under test
 * @param {string[]} o.lines  the trace lines (bpftrace -f json) of the unwanted articles
 * @param {string} o.spool
 * @param {string} o.dir  a scratch directory
 * @param {string} o.wanted  the one subscribed group
 * @param {number} o.repeat  passes over the articles per row (more samples)
 */
export async function unwantedStages({ stage, dist, lines, spool, dir, wanted, repeat }) {
  const { parseLine } = await dist("sources/protocol.js");
  const { fileDecoder } = await dist("sources/file-decoder.js");
  const { storedAtPath } = await dist("storage/registry.js");
  const load = await dist("storage/load.js");
  const { compileGate } = await dist("notify/route.js");
  const gate = compileGate([{ groups: wanted }]);
  const loadOpts = {
    spool,
    read: { maxBytes: 1 << 20, timeoutMs: 5000 },
    snippetChars: 300,
  };
  const per = lines.length * repeat;
  const passes = async (/** @type {() => Promise<void> | void} */ fn) => {
    for (let k = 0; k < repeat; k++) await fn();
  };
  const n = lines.length;

  /** @type {string[]} */
  const paths = [];
  for (const l of lines) {
    for (const ev of await fileDecoder().push(parseLine(l)))
      if (ev.kind === "file") paths.push(...ev.paths);
  }
  const refs = paths.map((p) => storedAtPath(p, { spool }));
  const heads = [];
  for (const ref of refs) heads.push((await load.readHead(ref, loadOpts)).stored);

  await stage(
    `unwanted (${n}) 1 line decode: JSON, regex, path (fileDecoder)`,
    () =>
      passes(async () => {
        // As the supervisor takes them: an array at once, a promise awaited later.
        const decoder = fileDecoder();
        const pending = [];
        for (const l of lines) {
          const out = decoder.push(parseLine(l));
          if (!Array.isArray(out)) pending.push(out);
        }
        await Promise.all(pending);
      }),
    per,
  );
  await stage(
    `unwanted (${n}) 2 path → group, number (storedAtPath)`,
    () =>
      passes(() => {
        for (const p of paths) storedAtPath(p, { spool });
      }),
    per,
  );
  await stage(
    `unwanted (${n}) 3 readHead: open, readlink, fstat, read`,
    () =>
      passes(async () => {
        for (const ref of refs) await load.readHead(ref, loadOpts);
      }),
    per,
  );
  await stage(
    `unwanted (${n}) 4 routing header parse (parseStoredHeader)`,
    () =>
      passes(() => {
        refs.forEach((ref, i) => {
          load.parseStoredHeader(ref, heads[i], 300, gate.reads);
        });
      }),
    per,
  );
  const parsed = refs.map((ref, i) => load.parseStoredHeader(ref, heads[i], 300, gate.reads));
  await stage(
    `unwanted (${n}) 5 route: gate.takes`,
    () =>
      passes(() => {
        for (const h of parsed) if (gate.takes(h)) throw new Error(`${h.messageId} is wanted`);
      }),
    per,
  );

  // The floor: node alone, no newsnotify code.
  const file = join(dir, "floor-lines.json");
  writeFileSync(file, `${lines.join("\n")}\n`.repeat(repeat));
  await stage(
    `floor: receive one line from a pipe (readline, a child's stdout)`,
    async () => {
      const child = spawn("cat", [file], { stdio: ["ignore", "pipe", "inherit"] });
      let got = 0;
      for await (const _ of createInterface({ input: child.stdout })) got++;
      if (got !== per) throw new Error(`floor: ${got} lines of ${per}`);
    },
    per,
  );
  await stage(
    `floor: the same + JSON.parse of each line`,
    async () => {
      const child = spawn("cat", [file], { stdio: ["ignore", "pipe", "inherit"] });
      for await (const line of createInterface({ input: child.stdout })) JSON.parse(line);
    },
    per,
  );
  const scratch = Buffer.allocUnsafe(4096);
  await stage(
    `floor: open + close`,
    () =>
      passes(() => {
        for (const p of paths) closeSync(openSync(p, "r"));
      }),
    per,
  );
  await stage(
    `floor: open, readlink, fstat, read 4 KiB (reused buffer), close`,
    () =>
      passes(() => {
        for (const p of paths) {
          const fd = openSync(p, "r");
          readlinkSync(`/proc/self/fd/${fd}`);
          fstatSync(fd);
          readSync(fd, scratch, 0, 4096, 0);
          closeSync(fd);
        }
      }),
    per,
  );
}
