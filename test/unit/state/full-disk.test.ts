/**
 * A full state directory, for real (a 256 KB tmpfs): the outbox holds its lines in memory and says
 * so once, the high-water marks refuse to move past them, nothing is left behind, and it all comes
 * back by itself once there is space again.
 */
import { readdirSync, unlinkSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { HighWater } from "../../../src/state/highwater.js";
import { Outbox } from "../../../src/state/outbox.js";
import { StateError } from "../../../src/util/errors.js";
import { mountTmpfs, type Tmpfs } from "../../helpers/tmpfs.js";
import { makeArticle as article } from "../notify/article-factory.js";

let fs: Tmpfs | null = null;
afterEach(() => {
  fs?.unmount();
  fs = null;
});

function recorder() {
  const lines: string[] = [];
  return { lines, log: (level: string, m: string) => lines.push(`${level}: ${m}`) };
}

const big = (id: string) => article({ messageId: id, snippet: "x".repeat(2000) });

describe("a full state directory", () => {
  it("a write cut short inside a multi-byte character loses no byte of it", async () => {
    fs = mountTmpfs();
    const dir = join(fs.dir, "state");
    const box = await Outbox.open(dir, { retryMs: 20 });
    const accents = (id: string) => article({ messageId: id, snippet: "é".repeat(999) });
    await box.admit(["t"], accents("<a0@x>"));
    const filler = fs.fill();
    // Odd offsets: whichever byte the disk stops at, some "é" is cut in two.
    for (let i = 1; i < 8; i++) {
      await box.admit(
        ["t"],
        article({ messageId: `<a${i}@x>`, snippet: `${"x".repeat(i)}${"é".repeat(999)}` }),
      );
    }
    await sleep(10);
    expect(box.held).toBe(true);
    // Read back while held: from the unwritten bytes.
    expect(box.read("t", "<a7@x>").snippet).toBe(`${"x".repeat(7)}${"é".repeat(999)}`);
    unlinkSync(filler);
    for (let i = 0; i < 100 && box.held; i++) await sleep(20);
    expect(box.held).toBe(false);
    await box.close();
    const after = await Outbox.open(dir);
    for (let i = 1; i < 8; i++) {
      expect(after.read("t", `<a${i}@x>`).snippet).toBe(`${"x".repeat(i)}${"é".repeat(999)}`);
    }
    await after.close();
  });

  it("holds the outbox in memory, keeps the marks below it, and recovers by itself", async () => {
    fs = mountTmpfs();
    const dir = join(fs.dir, "state");
    const { lines, log } = recorder();
    const box = await Outbox.open(dir, { log, retryMs: 20 });
    const marks = await HighWater.load(dir);
    await marks.save(new Map([["local.test", 1]]));
    await box.admit(["t"], big("<before@x>"));
    await box.sync();
    const filler = fs.fill();

    for (let i = 0; i < 5; i++) await box.admit(["t"], big(`<full${i}@x>`));
    await sleep(10); // the buffered write of this turn runs (and fails) now: it must not throw
    expect(box.held).toBe(true);
    await box.done("t", "<full0@x>");
    await sleep(50);
    expect(lines.filter((l) => /no space left on device/i.test(l))).toHaveLength(1);
    expect(lines.join("\n")).toMatch(/error: cannot write .*outbox\.jsonl: ENOSPC.*full/);
    // The marks must not move past an article whose line is not on disk.
    await expect(box.sync()).rejects.toBeInstanceOf(StateError);
    await expect(marks.save(new Map([["local.test", 9]]))).rejects.toBeInstanceOf(StateError);
    expect(readdirSync(dir).sort()).toEqual(["highwater.json", "outbox.jsonl"]);
    expect((await HighWater.load(dir)).marks).toEqual(new Map([["local.test", 1]]));

    unlinkSync(filler);
    for (let i = 0; i < 100 && box.held; i++) await sleep(20);
    expect(box.held).toBe(false);
    expect(lines.join("\n")).toMatch(/outbox\.jsonl is writable again/);
    await box.sync();
    await box.close();
    const after = await Outbox.open(dir);
    expect(
      after
        .pending()
        .map((p) => p.article.messageId)
        .sort(),
    ).toEqual(["<before@x>", "<full1@x>", "<full2@x>", "<full3@x>", "<full4@x>"]);
    expect(after.knows("t", "<full0@x>")).toBe(true);
    await after.close();
  });

  it("a start while full is a StateError (exit 5) that leaves no outbox.jsonl.PID.tmp", async () => {
    fs = mountTmpfs();
    const dir = join(fs.dir, "state");
    const box = await Outbox.open(dir);
    for (let i = 0; i < 3; i++) await box.admit(["t"], big(`<s${i}@x>`));
    await box.close();
    fs.fill();
    const e = await Outbox.open(dir).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StateError);
    expect((e as StateError).exitCode).toBe(5);
    expect((e as Error).message).toMatch(/ENOSPC.*free some space/);
    expect(readdirSync(dir)).toEqual(["outbox.jsonl"]);
  });
});

describe("a journal line cut short", () => {
  it("is skipped and logged with its line number", async () => {
    const dir = await mkdtemp(join(tmpdir(), "newsnotify-torn-"));
    const a = JSON.stringify({
      op: "add",
      target: "t",
      article: article({ messageId: "<a@x>" }),
      since: 1,
    });
    const b = JSON.stringify({
      op: "add",
      target: "t",
      article: article({ messageId: "<b@x>" }),
      since: 2,
    });
    await writeFile(join(dir, "outbox.jsonl"), `${a}\n${b.slice(0, 40)}\n${b}\n`);
    const { lines, log } = recorder();
    const box = await Outbox.open(dir, { log });
    expect(box.pendingCount()).toBe(2);
    expect(lines.join("\n")).toMatch(
      /warn: .*outbox\.jsonl: 1 unreadable line\(s\) skipped \(line 2\)/,
    );
    await box.close();
  });
});
