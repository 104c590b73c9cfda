import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Article } from "../../../src/article/article.js";
import { ArticleFlow } from "../../../src/flow/pipeline.js";
import { ParseThread } from "../../../src/storage/parse-thread.js";

/** A tradspool with local/test/1, a wire-format article crossposted to local.other:7. */
function spoolWithArticle(): { spool: string; path: string } {
  const spool = realpathSync(mkdtempSync(join(tmpdir(), "newsnotify-flow-")));
  mkdirSync(join(spool, "local", "test"), { recursive: true });
  const path = join(spool, "local", "test", "1");
  writeFileSync(
    path,
    "Message-ID: <flow@x>\r\nNewsgroups: local.test,local.other\r\nFrom: a@x\r\nSubject: s\r\n" +
      "Xref: host local.test:1 local.other:7\r\n\r\nbody\r\n.\r\n",
  );
  return { spool, path };
}

describe("ArticleFlow", () => {
  it("one path handled twice at once: read and delivered once; both calls wait for the journal", async () => {
    const { spool, path } = spoolWithArticle();
    const delivered: Article[] = [];
    let release = () => {};
    const journaled = new Promise<void>((r) => {
      release = r;
    });
    let delivering = () => {};
    const inDeliver = new Promise<void>((r) => {
      delivering = r;
    });
    const flow = new ArticleFlow({
      spool,
      activeFile: join(spool, "active"),
      read: { maxBytes: 1 << 20, timeoutMs: 1000 },
      snippetChars: 100,
      log: (_level, message) => {
        throw new Error(`unexpected log: ${message}`);
      },
      deliver: async (article) => {
        delivered.push(article);
        delivering();
        await journaled; // the outbox's fdatasync, say
      },
    });
    let first = false;
    let second = false;
    const a = flow.article(path).then(() => {
      first = true;
    });
    const b = flow.article(path).then(() => {
      second = true;
    });
    await inDeliver;
    expect(delivered.map((x) => x.messageId)).toEqual(["<flow@x>"]);
    // Not journaled yet: neither call is done, and catch-up must not count it as seen.
    expect([first, second]).toEqual([false, false]);
    expect(flow.seen("local.test", 1)).toBe(false);
    release();
    await Promise.all([a, b]);
    expect(flow.seen("local.test", 1)).toBe(true);
    expect(flow.seen("local.other", 7)).toBe(true);
    await flow.article(path); // done with: a no-op
    expect(delivered).toHaveLength(1);
  });

  it("an article whose parse runs over its budget is delivered from its header, with a warning naming it", async () => {
    const { spool, path } = spoolWithArticle();
    // The stand-in parser hangs on an article that starts with "HANG".
    writeFileSync(path, "HANG: 1\r\nMessage-ID: <hang@x>\r\nSubject: s\r\n\r\nbody\r\n.\r\n");
    const thread = new ParseThread(
      { timeMs: 500, heapMb: 64 },
      new URL("../../helpers/workers/parse-fake.mjs", import.meta.url),
    );
    const delivered: Article[] = [];
    const logs: string[] = [];
    const flow = new ArticleFlow({
      spool,
      activeFile: join(spool, "active"),
      read: { maxBytes: 1 << 20, timeoutMs: 1000 },
      snippetChars: 100,
      parseThread: thread,
      log: (level, message) => logs.push(`${level} ${message}`),
      deliver: (article) => {
        delivered.push(article);
      },
    });
    try {
      await flow.article(path);
    } finally {
      await thread.close();
    }
    expect(delivered).toMatchObject([
      { messageId: "<hang@x>", snippet: "", truncatedFields: ["snippet"] },
    ]);
    expect(logs).toEqual([
      `warn ${path}: body not parsed (over its 500 ms time budget); notified with its header only`,
    ]);
  });
});
