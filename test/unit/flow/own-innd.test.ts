import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ArticleFlow } from "../../../src/flow/pipeline.js";

describe("file events go through the own-innd check, as stored (uprobe) events do", () => {
  it("a created spool file from another pid than innd.pid's is ignored and named once", async () => {
    const spool = realpathSync(mkdtempSync(join(tmpdir(), "newsnotify-own-")));
    mkdirSync(join(spool, "local", "test"), { recursive: true });
    const path = join(spool, "local", "test", "1");
    writeFileSync(
      path,
      "Message-ID: <own@x>\r\nNewsgroups: local.test\r\nFrom: a@x\r\nSubject: s\r\n\r\nb\r\n.\r\n",
    );
    const delivered: string[] = [];
    const logged: string[] = [];
    const flow = new ArticleFlow({
      spool,
      activeFile: join(spool, "active"),
      read: { maxBytes: 1 << 20, timeoutMs: 1000 },
      snippetChars: 100,
      log: (_level, message) => logged.push(message),
      deliver: (a) => {
        delivered.push(a.messageId);
      },
      ownInnd: async (pid) => pid === 100,
    });
    await flow.handle({ kind: "file", paths: [path], pid: 666 });
    await flow.handle({ kind: "file", paths: [path], pid: 666 });
    expect(delivered).toEqual([]);
    expect(logged).toEqual([
      "ignoring articles stored by innd pid 666: not this INN's innd (another instance?)",
    ]);
    await flow.handle({ kind: "file", paths: [path], pid: 100 });
    expect(delivered).toEqual(["<own@x>"]);
  });
});
