import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Article } from "../../../src/article/article.js";
import { ArticleFlow } from "../../../src/flow/pipeline.js";
import { compileGate, type RouteOptions } from "../../../src/notify/route.js";
import { HEAD_BYTES, HEADER_BOUND } from "../../../src/storage/load.js";
import type { ReadCount } from "../../../src/storage/read.js";

/** A wire-format article of about `bodyBytes` bytes of 8-bit body (as a yEnc post is). */
function article(id: string, newsgroups: string, xref: string, bodyBytes: number): string {
  const line = `${"\xe9".repeat(126)}\r\n`;
  const body = line.repeat(Math.max(1, Math.ceil(bodyBytes / line.length)));
  return (
    `Message-ID: <${id}@x>\r\nNewsgroups: ${newsgroups}\r\nFrom: a@x\r\nSubject: s\r\n` +
    `Xref: host ${xref}\r\n\r\n=ybegin line=128 name=x.bin\r\n${body}=yend\r\n.\r\n`
  );
}

interface Run {
  delivered: Article[];
  logs: string[];
  counted: ReadCount;
  flow: ArticleFlow;
  spool: string;
}

function flowOver(routes: RouteOptions[] | null, maxBytes = 4 << 20): Run {
  const spool = realpathSync(mkdtempSync(join(tmpdir(), "newsnotify-route-first-")));
  const run: Run = {
    delivered: [],
    logs: [],
    counted: { bytes: 0, reads: 0 },
    spool,
    flow: null as unknown as ArticleFlow,
  };
  run.flow = new ArticleFlow({
    spool,
    activeFile: join(spool, "active"),
    read: { maxBytes, timeoutMs: 1000, counted: run.counted },
    snippetChars: 100,
    ...(routes ? { route: compileGate(routes) } : {}),
    log: (level, message) => run.logs.push(`${level} ${message}`),
    deliver: (a) => {
      run.delivered.push(a);
    },
  });
  return run;
}

/** Writes `text` as `<spool>/<group as dirs>/<number>` (latin1: one byte per char). */
function file(spool: string, group: string, number: number, text: string): string {
  const dir = join(spool, ...group.split("."));
  mkdirSync(dir, { recursive: true });
  const path = join(dir, String(number));
  writeFileSync(path, text, "latin1");
  return path;
}

describe("ArticleFlow routes before it reads (issue 22)", () => {
  it("an unwanted article costs the same bounded read whatever its size: no body read, nothing parsed whole", async () => {
    const costs: { bytes: number; reads: number }[] = [];
    for (const size of [20_000, 300_000, 3_000_000]) {
      const run = flowOver([{ groups: "local.test" }]);
      const path = file(
        run.spool,
        "alt.binaries.x",
        1,
        article(`bin${size}`, "alt.binaries.x", "alt.binaries.x:1", size),
      );
      await run.flow.article(path);
      expect(run.delivered).toEqual([]);
      expect(run.logs).toEqual([]);
      // Handled: catch-up will not read it again.
      expect(run.flow.seen("alt.binaries.x", 1)).toBe(true);
      costs.push({ ...run.counted });
    }
    // One read of the first HEAD_BYTES: the header block ends within them, so the body's state
    // (innd may still be writing it) does not matter to the route.
    expect(HEAD_BYTES).toBe(4096);
    expect(costs).toEqual([
      { bytes: HEAD_BYTES, reads: 1 },
      { bytes: HEAD_BYTES, reads: 1 },
      { bytes: HEAD_BYTES, reads: 1 },
    ]);
  });

  it("an unwanted article whose header is written is routed at once, while innd still writes its body", async () => {
    const run = flowOver([{ groups: "local.test" }]);
    const text = article("growing", "alt.binaries.x", "alt.binaries.x:5", 100_000);
    // The header and part of the body: no terminator yet, so a read of the whole would wait.
    const path = file(run.spool, "alt.binaries.x", 5, text.slice(0, 20_000));
    let state = "waiting";
    const handled = run.flow.article(path).then(() => {
      state = "handled";
    });
    // Only microtasks run before a setImmediate callback: no poll, no sleep, no thread pool.
    await new Promise((r) => setImmediate(r));
    expect(state).toBe("handled");
    file(run.spool, "alt.binaries.x", 5, text);
    await handled;
    expect(run.delivered).toEqual([]);
    expect(run.logs).toEqual([]);
    expect(run.flow.seen("alt.binaries.x", 5)).toBe(true);
  });

  it("a small crosspost's first read holds all of it: taken, delivered without a second read", async () => {
    const run = flowOver([{ groups: "local.test" }]);
    const text = article("small", "alt.other,local.test", "alt.other:4 local.test:2", 1_000);
    await run.flow.article(file(run.spool, "alt.other", 4, text));
    expect(run.delivered.map((a) => [a.messageId, a.bytes])).toEqual([["<small@x>", text.length]]);
    expect(run.counted).toEqual({ bytes: text.length, reads: 1 });
  });

  it("a crosspost filed first under an unwanted group is read whole and delivered", async () => {
    const run = flowOver([{ groups: "local.test" }]);
    const text = article(
      "cross",
      "alt.binaries.x,local.test",
      "alt.binaries.x:3 local.test:9",
      300_000,
    );
    const path = file(run.spool, "alt.binaries.x", 3, text);
    await run.flow.article(path);
    expect(run.delivered.map((a) => [a.messageId, a.group, a.number, a.bytes])).toEqual([
      ["<cross@x>", "alt.binaries.x", 3, text.length],
    ]);
    expect(run.delivered[0]?.snippet).toMatch(/^=ybegin line=128 name=x.bin\né/);
    expect(run.flow.seen("local.test", 9)).toBe(true);
  });

  it("an article filed in a wanted group is read whole at once (no header read first)", async () => {
    const run = flowOver([{ groups: "local.*" }]);
    const text = article("direct", "local.test", "local.test:1", 100_000);
    await run.flow.article(file(run.spool, "local.test", 1, text));
    expect(run.delivered.map((a) => a.messageId)).toEqual(["<direct@x>"]);
    // One read of the whole file (the wire end is within it): nothing read twice.
    expect(run.counted).toEqual({ bytes: text.length, reads: 1 });
  });

  it("without a gate (every article wanted) every article is read whole, as before", async () => {
    const run = flowOver(null);
    const text = article("all", "alt.binaries.x", "alt.binaries.x:1", 100_000);
    await run.flow.article(file(run.spool, "alt.binaries.x", 1, text));
    expect(run.delivered.map((a) => a.messageId)).toEqual(["<all@x>"]);
    expect(run.counted).toEqual({ bytes: text.length, reads: 1 });
  });

  it("the From/Subject filters are answered from the header: an unwanted big article is not read whole", async () => {
    const run = flowOver([{ groups: "*", subject: "wanted" }]);
    await run.flow.article(
      file(run.spool, "alt.binaries.x", 1, article("f", "alt.binaries.x", "alt.binaries.x:1", 1e6)),
    );
    expect(run.delivered).toEqual([]);
    expect(run.counted.bytes).toBe(HEAD_BYTES);
  });

  it("a header with no empty line within the bound is routed by what was read, and the log says so", async () => {
    const run = flowOver([{ groups: "local.test" }]);
    // Newsgroups first, then a header that runs past the bound.
    const filler = `X-Filler: ${"y".repeat(900)}\r\n`.repeat(Math.ceil((HEADER_BOUND * 2) / 900));
    const text = `Newsgroups: local.test\r\nMessage-ID: <long@x>\r\n${filler}\r\nbody\r\n.\r\n`;
    const path = file(run.spool, "alt.other", 1, text);
    await run.flow.article(path);
    expect(run.logs).toEqual([
      `warn ${path}: no empty line ends the header in its first ${HEADER_BOUND} bytes (bound ${HEADER_BOUND}); routed by the header as read`,
    ]);
    expect(run.delivered.map((a) => a.messageId)).toEqual(["<long@x>"]);
  });

  it("an unwanted article with no body at all (no empty line) is routed by its header, saying so", async () => {
    const run = flowOver([{ groups: "local.test" }]);
    const path = file(run.spool, "alt.other", 2, "Newsgroups: alt.other\r\nMessage-ID: <nb@x>\r\n");
    await run.flow.article(path);
    expect(run.delivered).toEqual([]);
    expect(run.logs).toEqual([
      `warn ${path}: no empty line ends the header in it (bound ${HEADER_BOUND}); routed by the header as read`,
    ]);
  });
});
