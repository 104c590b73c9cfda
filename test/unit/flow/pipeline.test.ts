import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Article } from "../../../src/article/article.js";
import { ArticleFlow } from "../../../src/flow/pipeline.js";

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
    await new Promise((r) => setTimeout(r, 50));
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
});
