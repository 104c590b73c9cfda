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
  it("lines that arrive during an fdatasync are written together and all survive", async () => {
    const dir = await fresh();
    const box = await Outbox.open(dir);
    const many = Array.from({ length: 200 }, (_, i) => article({ messageId: `<g${i}@x>` }));
    const admitted = await Promise.all(many.map((a) => box.admit(["t"], a)));
    expect(admitted.every((t) => t.length === 1)).toBe(true);
    // No close() yet: every admitted line must already be in the file (what SIGKILL leaves).
    const written = await readFile(join(dir, "outbox.jsonl"), "utf8");
    expect(written.split("\n").filter((l) => l.includes('"op":"add"'))).toHaveLength(200);
    for (const a of many.slice(0, 150)) void box.done("t", a.messageId);
    await box.close();
    const after = await Outbox.open(dir);
    expect(after.pendingCount()).toBe(50);
    expect(after.knows("t", "<g0@x>") && !after.isPending("t", "<g0@x>")).toBe(true);
    expect(after.isPending("t", "<g199@x>")).toBe(true);
  });
});

describe("Outbox journal order", () => {
  it("a line is in the file before its article is sent", async () => {
    const { JournaledNotifier } = await import("../../../src/delivery/journaled.js");
    const dir = await fresh();
    const box = await Outbox.open(dir);
    const seenAtSend: boolean[] = [];
    const inner = {
      label: "reads the journal while sending",
      maxBatch: 10,
      preview: () => null,
      send: async (a: { messageId: string }) => {
        seenAtSend.push(readFileSync(join(dir, "outbox.jsonl"), "utf8").includes(a.messageId));
      },
      sendBatch: async (as: readonly { messageId: string }[]) => {
        const text = readFileSync(join(dir, "outbox.jsonl"), "utf8");
        for (const a of as) seenAtSend.push(text.includes(a.messageId));
      },
    };
    const j = new JournaledNotifier(inner, "t", box);
    const [x, y, z] = ["<o1@x>", "<o2@x>", "<o3@x>"].map((id) => article({ messageId: id }));
    for (const a of [x, y, z]) await box.admit(["t"], a as never);
    // Synchronously after admit: the lines may still be buffered, but sending writes them first.
    await j.send(x as never);
    await j.sendBatch([y, z] as never);
    expect(seenAtSend).toEqual([true, true, true]);
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

describe("JournaledNotifier", () => {
  it("marks done on success, drops on a permanent refusal, keeps pending on a transient failure", async () => {
    const { JournaledNotifier } = await import("../../../src/delivery/journaled.js");
    const { DeliveryError } = await import("../../../src/notify/http.js");
    const box = await Outbox.open(await fresh());
    let outcome: "ok" | "permanent" | "transient" = "ok";
    const sent: string[] = [];
    const inner = {
      label: "fake",
      preview: () => null,
      send: async (a: { messageId: string }) => {
        if (outcome === "permanent") throw new DeliveryError("HTTP 400", true);
        if (outcome === "transient") throw new DeliveryError("HTTP 503", false);
        sent.push(a.messageId);
      },
    };
    const j = new JournaledNotifier(inner, "t", box);
    const [ok, bad, flaky] = ["<ok@x>", "<bad@x>", "<flaky@x>"].map((id) =>
      article({ messageId: id }),
    );
    for (const a of [ok, bad, flaky]) await box.admit(["t"], a as never);
    await j.send(ok as never);
    await j.send(ok as never); // a duplicate: not sent again
    outcome = "permanent";
    await expect(j.send(bad as never)).rejects.toThrow("HTTP 400");
    outcome = "transient";
    await expect(j.send(flaky as never)).rejects.toThrow("HTTP 503");
    expect(sent).toEqual(["<ok@x>"]);
    expect(box.pending().map((p) => p.article.messageId)).toEqual(["<flaky@x>"]);
  });
});

describe("JournaledNotifier with batches", () => {
  it("sends only the pending ones in one batch and marks them all done in one journal write", async () => {
    const { JournaledNotifier } = await import("../../../src/delivery/journaled.js");
    const dir = await fresh();
    const box = await Outbox.open(dir);
    const batches: string[][] = [];
    const inner = {
      label: "fake",
      maxBatch: 10,
      preview: () => null,
      send: async () => {
        throw new Error("not expected");
      },
      sendBatch: async (as: readonly { messageId: string }[]) => {
        batches.push(as.map((a) => a.messageId));
      },
    };
    const j = new JournaledNotifier(inner, "t", box);
    expect(j.maxBatch).toBe(10);
    const [x, y, z] = ["<x@b>", "<y@b>", "<z@b>"].map((id) => article({ messageId: id }));
    for (const a of [x, y]) await box.admit(["t"], a as never);
    await j.sendBatch([x, y, z] as never); // z was never admitted: not ours to send
    await j.sendBatch([x, y] as never); // both done: nothing sent
    expect(batches).toEqual([["<x@b>", "<y@b>"]]);
    expect(box.pendingCount()).toBe(0);
    await box.close();
    const journal = (await readFile(join(dir, "outbox.jsonl"), "utf8")).trim().split("\n");
    expect(journal.map((l) => JSON.parse(l).op)).toEqual(["add", "add", "done", "done"]);
    expect((await Outbox.open(dir)).knows("t", "<y@b>")).toBe(true);
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
