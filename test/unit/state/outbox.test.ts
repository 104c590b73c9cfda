import { readFileSync } from "node:fs";
import { appendFile, mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HighWater } from "../../../src/state/highwater.js";
import { Outbox } from "../../../src/state/outbox.js";
import { makeArticle as article } from "../notify/article-factory.js";

const fresh = () => mkdtemp(join(tmpdir(), "newsnotify-state-"));
const a1 = article({ messageId: "<1@x>" });
const a2 = article({ messageId: "<2@x>" });

describe("Outbox", () => {
  it("admits each (target, Message-ID) once, and remembers done ones across a restart", async () => {
    const dir = await fresh();
    const box = await Outbox.open(dir);
    expect(await box.admit(["slack", "hook"], a1)).toEqual(["slack", "hook"]);
    expect(await box.admit(["slack", "hook"], a1)).toEqual([]);
    await box.done("slack", a1.messageId);
    await box.close();

    const again = await Outbox.open(dir);
    expect(again.pending().map((p) => [p.target, p.article.messageId])).toEqual([
      ["hook", "<1@x>"],
    ]);
    expect(again.knows("slack", "<1@x>")).toBe(true);
    expect(await again.admit(["slack", "hook"], a1)).toEqual([]);
    expect(await again.admit(["slack"], a2)).toEqual(["slack"]);
    await again.close();
  });

  it("is durable once admit resolves: a crash (no close) keeps it", async () => {
    const dir = await fresh();
    const box = await Outbox.open(dir);
    await Promise.all([box.admit(["t"], a1), box.admit(["t"], a2)]);
    // No close(): what a SIGKILL leaves behind.
    const after = await Outbox.open(dir);
    expect(
      after
        .pending()
        .map((p) => p.article.messageId)
        .sort(),
    ).toEqual(["<1@x>", "<2@x>"]);
  });

  it("ignores a torn last line (a crash mid-append)", async () => {
    const dir = await fresh();
    const box = await Outbox.open(dir);
    await box.admit(["t"], a1);
    await box.close();
    await appendFile(join(dir, "outbox.jsonl"), '{"op":"add","target":"t","art');
    const after = await Outbox.open(dir);
    expect(after.pending()).toHaveLength(1);
  });

  it("drop: never retried, still de-duplicated", async () => {
    const dir = await fresh();
    const box = await Outbox.open(dir);
    await box.admit(["t"], a1);
    await box.drop("t", a1.messageId, "HTTP 400");
    await box.close();
    const after = await Outbox.open(dir);
    expect(after.pending()).toEqual([]);
    expect(await after.admit(["t"], a1)).toEqual([]);
  });

  it("compacts on open: finished pairs beyond the limit are forgotten", async () => {
    const dir = await fresh();
    const box = await Outbox.open(dir, 2);
    for (const id of ["<a@x>", "<b@x>", "<c@x>"]) {
      await box.admit(["t"], article({ messageId: id }));
      await box.done("t", id);
    }
    await box.close();
    const after = await Outbox.open(dir, 2);
    expect(after.knows("t", "<a@x>")).toBe(false);
    expect(after.knows("t", "<c@x>")).toBe(true);
    const lines = (await readFile(join(dir, "outbox.jsonl"), "utf8")).trim().split("\n");
    expect(lines).toHaveLength(2);
  });

  it("keeps its files private", async () => {
    const dir = join(await fresh(), "state");
    const box = await Outbox.open(dir);
    await box.admit(["t"], a1);
    await box.close();
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, "outbox.jsonl"))).mode & 0o777).toBe(0o600);
  });
});

describe("Outbox group writes", () => {
  it("lines that arrive during an fdatasync are written and all survive", async () => {
    const dir = await fresh();
    const box = await Outbox.open(dir);
    await box.admit(["t"], a1);
    // sync() writes and starts its fdatasync at once; everything below arrives while it runs,
    // whichever of its completion and the next write comes first.
    const syncing = box.sync();
    const many = Array.from({ length: 200 }, (_, i) => article({ messageId: `<g${i}@x>` }));
    const admitted = await Promise.all(many.map((a) => box.admit(["t"], a)));
    await syncing;
    expect(admitted.every((t) => t.length === 1)).toBe(true);
    // No close() yet: every admitted line must already be in the file (what SIGKILL leaves).
    const written = await readFile(join(dir, "outbox.jsonl"), "utf8");
    expect(written.split("\n").filter((l) => l.includes('"op":"add"'))).toHaveLength(201);
    await box.sync();
    await Promise.all(many.slice(0, 150).map((a) => box.done("t", a.messageId)));
    await box.close();
    const after = await Outbox.open(dir);
    expect(after.pendingCount()).toBe(51);
    expect(after.knows("t", "<g0@x>") && !after.isPending("t", "<g0@x>")).toBe(true);
    expect(after.isPending("t", "<g199@x>")).toBe(true);
  });
});

describe("Outbox admit", () => {
  it("resolves once its line is written: it is in the file with no other wait", async () => {
    const dir = await fresh();
    const box = await Outbox.open(dir);
    await box.admit(["t"], a1);
    expect(readFileSync(join(dir, "outbox.jsonl"), "utf8")).toContain('"<1@x>"');
    await box.close();
  });

  it("keeps only an index: an article is read back from its line, after compaction too", async () => {
    const dir = await fresh();
    const box = await Outbox.open(dir, { compactBytes: 2000 });
    const big = article({ messageId: "<big@x>", snippet: "é".repeat(500) });
    await box.admit(["t", "u"], big);
    for (let i = 0; i < 20; i++) {
      await box.admit(["t"], article({ messageId: `<c${i}@x>`, snippet: "x".repeat(200) }));
      await box.done("t", `<c${i}@x>`);
    }
    // Without compaction: some 11 KB (20 add lines of 300 bytes, their done lines, two of 1.3 KB).
    expect((await stat(join(dir, "outbox.jsonl"))).size).toBeLessThan(6000);
    expect(box.read("u", "<big@x>").snippet).toBe(big.snippet);
    expect([...box.entries("t")].map(([id]) => id)).toEqual(["<big@x>"]);
    await box.close();
    const after = await Outbox.open(dir);
    expect(after.read("t", "<big@x>")).toEqual(big);
    await after.close();
  });
});

describe("HighWater", () => {
  it("is null before the first save, then round-trips", async () => {
    const dir = await fresh();
    const hw = await HighWater.load(dir);
    expect(hw.marks).toBeNull();
    await hw.save(new Map([["local.test", 7]]));
    expect((await HighWater.load(dir)).marks).toEqual(new Map([["local.test", 7]]));
  });
  it("says how to recover from an unreadable file", async () => {
    const dir = await fresh();
    await writeFile(join(dir, "highwater.json"), "{not json");
    await expect(HighWater.load(dir)).rejects.toThrow(/move it away/);
  });
});

describe("targetKeys", () => {
  it("stable across reordering and presentation changes, distinct for identical entries", async () => {
    const { targetKeys } = await import("../../../src/delivery/targets.js");
    const slack = { type: "slack", url: "https://hooks.slack.com/services/T/B/x" };
    const hook = { type: "webhook", url: "http://127.0.0.1/h" };
    const [s1, h1] = targetKeys([slack, hook]);
    const [h2, s2] = targetKeys([hook, { ...slack, template: "{subject}", groups: "comp.*" }]);
    expect([s1, h1]).toEqual([s2, h2]);
    const [a, b] = targetKeys([slack, { ...slack, groups: "alt.*" }]);
    expect(a).not.toBe(b);
  });
});

describe("HighWater, corrupt", () => {
  it.each([["{not json"], ['{"groups": 7}'], ["null"]])(
    "%s: a StateError (exit 5) naming the file and the remedy",
    async (text) => {
      const { StateError } = await import("../../../src/util/errors.js");
      const dir = await fresh();
      await writeFile(join(dir, "highwater.json"), text);
      const e = await HighWater.load(dir).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(StateError);
      expect((e as { exitCode: number }).exitCode).toBe(5);
      expect((e as Error).message).toMatch(
        /highwater\.json is corrupt .*mv .*highwater\.json\.bad/,
      );
    },
  );
});

describe("Outbox size", () => {
  it("compacts by bytes too: a busy journal of 1 KB articles stays small, and still de-duplicates", async () => {
    const dir = await fresh();
    const box = await Outbox.open(dir, { compactBytes: 20_000 });
    const ids = Array.from({ length: 200 }, (_, i) => `<size${i}@x>`);
    for (const id of ids) {
      await box.admit(["t"], article({ messageId: id, snippet: "x".repeat(1000) }));
      await box.done("t", id);
    }
    await box.close();
    // Without it: about 230 KB (200 add lines of 1.1 KB), far below the line-count threshold.
    expect((await stat(join(dir, "outbox.jsonl"))).size).toBeLessThan(45_000);
    const after = await Outbox.open(dir);
    expect(ids.every((id) => after.knows("t", id) && !after.isPending("t", id))).toBe(true);
    await after.close();
  });
});
