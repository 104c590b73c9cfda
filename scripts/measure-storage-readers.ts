/**
 * measure-storage-readers.ts - how fast each way of reading a stored article is, per storage
 * method, on the real innd (groups mapped to all four methods by test/helpers/storage-methods.ts):
 *   sm single     one `sm -R TOKEN` exec per article
 *   sm batch N    one `sm -R T1 … TN` exec for N articles (src/storage/sm.ts)
 *   nntp msgid    one reader connection, ARTICLE <Message-ID> per article (src/storage/nntp-reader.ts)
 *   nntp number   one reader connection, GROUP then ARTICLE n per article (catch-up's way)
 *   nntp over     GROUP + OVER low-high for the whole group (listing what catch-up would fetch)
 *   file          readFile of the article's own file (tradspool, timehash only)
 * and whether a just-stored article is readable at once by each way (live mode reads right after
 * InndHisWrite). Prints a Markdown table; restores INN's config afterwards, even on failure.
 *
 * USAGE: sudo flock /tmp/nn-innd.lock npx vite-node scripts/measure-storage-readers.ts [N]
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { parseTradspoolMap } from "../src/inn/tradspool-map.js";
import { NntpReader } from "../src/storage/nntp-reader.js";
import { smRead } from "../src/storage/sm.js";
import { decodeTimehash, decodeTradspool, parseToken } from "../src/storage/token.js";
import { INNBIN } from "../test/helpers/inn.js";
import {
  METHOD_GROUPS,
  restoreOnExit,
  restoreStorageMethods,
  tokenOf,
  useStorageMethods,
} from "../test/helpers/storage-methods.js";

const N = Number(process.argv[2] ?? 50);
const run = `${Date.now()}.${randomBytes(3).toString("hex")}`;
const innconfval = (k: string) =>
  execFileSync(`${INNBIN}/innconfval`, [k], { encoding: "utf8" }).trim();

function wire(group: string, id: string, i: number): string {
  const body = Array.from(
    { length: 30 },
    (_, l) => `Line ${l} of article ${i}: some ordinary text to make it about 2 KB long.`,
  ).join("\n");
  return [
    "Path: bench.example!not-for-mail",
    "From: Bench <bench@e2e.newsnotify.test>",
    `Newsgroups: ${group}`,
    `Subject: reader bench ${i}`,
    `Message-ID: ${id}`,
    `Date: ${new Date().toUTCString()}`,
    "",
    body,
    "",
  ].join("\n");
}

/** Feeds articles as a peer with rnews (one batch: fast, and nnrpd's checks do not apply). */
function feed(articles: string[]): void {
  const batch = articles.map((a) => `#! rnews ${Buffer.byteLength(a)}\n${a}`).join("");
  const r = spawnSync("su", ["news", "-s", "/bin/sh", "-c", `${INNBIN}/rnews -N -r localhost`], {
    input: batch,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`rnews failed: ${r.stderr}`);
}

async function time<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const v = await f();
  return [performance.now() - t, v];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const rows: string[][] = [];
const note = (m: string, how: string, ms: number, extra = "") =>
  rows.push([m, how, ms.toFixed(3), extra]);

async function measure(method: keyof typeof METHOD_GROUPS, spool: string, pathspool: string) {
  const group = METHOD_GROUPS[method];
  const ids = Array.from(
    { length: N },
    (_, i) => `<bench.${method}.${i}.${run}@e2e.newsnotify.test>`,
  );
  feed(ids.map((id, i) => wire(group, id, i)));
  await new Promise((r) => setTimeout(r, 1000));
  const tokens = ids.map(tokenOf);

  // sm, one exec per article (20 of them)
  const single: number[] = [];
  for (const t of tokens.slice(0, 20)) {
    const [ms, r] = await time(() => smRead([t], { batch: 1 }));
    if (!r.get(t)?.ok) throw new Error(`sm could not read ${t}`);
    single.push(ms);
  }
  note(method, "sm single", median(single));

  for (const batch of [10, N]) {
    const per: number[] = [];
    let bytes: Map<string, Buffer> | null = null;
    for (let k = 0; k < 3; k++) {
      const [ms, r] = await time(() => smRead(tokens, { batch }));
      per.push(ms / N);
      bytes ??= new Map([...r].map(([t, x]) => [t, x.ok ? x.article : Buffer.alloc(0)]));
    }
    note(method, `sm batch ${batch}`, median(per));
    if (batch === N) smBytes.set(method, bytes);
  }

  const [openMs, nntp] = await time(() => NntpReader.open());
  note(method, "nntp connect + MODE READER", openMs, "once per connection");
  let viaId: (Buffer | null)[] = [];
  const [idMs] = await time(async () => {
    for (const id of ids) viaId.push(await nntp.article(id));
  });
  if (viaId.some((a) => a === null)) throw new Error("ARTICLE <msgid>: missing");
  note(method, "nntp ARTICLE <msgid>, one at a time", idMs / N);
  const [pipeMs, piped] = await time(() => nntp.articles(ids, 16));
  note(method, "nntp ARTICLE <msgid>, pipelined (16)", pipeMs / N);
  viaId = piped;
  const info = await nntp.group(group);
  if (!info) throw new Error(`GROUP ${group}: none`);
  const numbers = Array.from({ length: N }, (_, i) => info.high - N + 1 + i);
  const [numMs, byNumber] = await time(async () => {
    await nntp.group(group);
    return nntp.articles(numbers, 16);
  });
  if (byNumber.some((a) => a === null)) throw new Error("ARTICLE n: missing");
  note(method, "nntp GROUP + ARTICLE n, pipelined (16)", numMs / N);
  const [overMs, over] = await time(async () => {
    await nntp.group(group);
    return nntp.over(info.low, info.high);
  });
  note(
    method,
    "nntp GROUP + OVER (whole group)",
    overMs / Math.max(1, over.length),
    `${over.length} lines`,
  );

  // Same bytes every way?
  const sm = smBytes.get(method);
  const same = ids.every((_, i) =>
    sm?.get(tokens[i] as string)?.equals(viaId[i] ?? Buffer.alloc(0)),
  );
  note(method, "sm bytes == nntp bytes", 0, String(same));

  if (method === "tradspool" || method === "timehash") {
    const map = parseTradspoolMap(readFileSync(`${pathspool}/tradspool.map`, "utf8"));
    const paths = tokens.map((text) => {
      const t = parseToken(text);
      if (!t.ok) throw new Error(t.reason);
      if (method === "timehash") {
        const d = decodeTimehash(t.value);
        return d.ok ? `${spool}/${d.value.path}` : "";
      }
      const d = decodeTradspool(t.value);
      const g = d.ok ? map.byNumber.get(d.value.groupNumber) : undefined;
      return d.ok && g ? `${spool}/${g.replaceAll(".", "/")}/${d.value.article}` : "";
    });
    const [fileMs, files] = await time(() => Promise.all(paths.map((p) => readFile(p))));
    note(method, "file read", fileMs / N);
    note(
      method,
      "file bytes == sm bytes",
      0,
      String(files.every((f, i) => sm?.get(tokens[i] as string)?.equals(f))),
    );
  }

  // Freshness: a just-stored article, read at once each way.
  const fresh = `<bench.fresh.${method}.${run}@e2e.newsnotify.test>`;
  feed([wire(group, fresh, -1)]);
  const t0 = performance.now();
  const fresher = async (f: () => Promise<boolean>) => {
    for (let k = 0; k < 200; k++) {
      if (await f())
        return `${(performance.now() - t0).toFixed(0)} ms after rnews returned (${k} retries)`;
      await new Promise((r) => setTimeout(r, 25));
    }
    return "not readable within 5 s";
  };
  note(
    method,
    "fresh: grephistory + sm",
    0,
    await fresher(async () => {
      try {
        const t = tokenOf(fresh);
        return (await smRead([t])).get(t)?.ok === true;
      } catch {
        return false;
      }
    }),
  );
  note(
    method,
    "fresh: nntp ARTICLE <msgid>",
    0,
    await fresher(async () => (await nntp.article(fresh)) !== null),
  );
  note(
    method,
    "fresh: nntp GROUP + ARTICLE high",
    0,
    await fresher(async () => {
      const g = await nntp.group(group);
      return g !== null && g.high > info.high && (await nntp.article(g.high)) !== null;
    }),
  );
  nntp.close();
}

const smBytes = new Map<string, Map<string, Buffer> | null>();

async function main(): Promise<void> {
  restoreOnExit();
  useStorageMethods();
  try {
    const spool = innconfval("patharticles");
    const pathspool = innconfval("pathspool");
    for (const m of ["tradspool", "timehash", "timecaf", "cnfs"] as const) {
      await measure(m, spool, pathspool);
    }
    console.log(`\nN = ${N} articles per method (~2 KB each), ${new Date().toISOString()}\n`);
    console.log("| method | how | ms per article | note |\n| --- | --- | ---: | --- |");
    for (const r of rows) console.log(`| ${r.join(" | ")} |`);
  } finally {
    restoreStorageMethods();
  }
}

await main();
