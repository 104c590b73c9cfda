import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseStoredInThread } from "../../../src/storage/load.js";
import { ParseThread } from "../../../src/storage/parse-thread.js";

const fake = new URL("../../helpers/workers/parse-fake.mjs", import.meta.url);
const opts = { path: null, group: "g", number: 1 };
const bytes = (s: string) => Buffer.from(s, "latin1");
let thread: ParseThread;

afterEach(async () => {
  vi.restoreAllMocks();
  await thread.close();
});

describe("ParseThread", { timeout: 60_000 }, () => {
  it("one warm thread parses article after article", async () => {
    thread = new ParseThread({ timeMs: 30_000, heapMb: 64 }, fake);
    const outcomes = await Promise.all(["a", "b", "c"].map((id) => thread.parse(bytes(id), opts)));
    expect(outcomes.map((o) => o.kind === "parsed" && o.article.messageId)).toEqual([
      "<a>",
      "<b>",
      "<c>",
    ]);
  });

  it("hands articles over as they come: the thread finds the next one waiting, not one round trip later", async () => {
    thread = new ParseThread({ timeMs: 30_000, heapMb: 64 }, fake);
    const posted = vi.spyOn(Worker.prototype, "postMessage");
    const gate = new Int32Array(new SharedArrayBuffer(4));
    let firstDone = false;
    const first = thread.parse(bytes("GATED"), { ...opts, gate } as typeof opts).then((o) => {
      firstDone = true;
      return o;
    });
    const rest = ["b", "c"].map((id) => thread.parse(bytes(id), opts));
    // All three are with the thread while it is still parsing the first.
    await vi.waitFor(() => expect(posted).toHaveBeenCalledTimes(3));
    expect(firstDone).toBe(false);
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    const outcomes = await Promise.all([first, ...rest]);
    expect(outcomes.map((o) => o.kind === "parsed" && o.article.messageId)).toEqual([
      "<GATED>",
      "<b>",
      "<c>",
    ]);
  });

  it("the next article's clock starts when the one before it is answered", async () => {
    // Each of the two takes most of the budget; handed over together, the second still fits in its own.
    thread = new ParseThread({ timeMs: 3000, heapMb: 64 }, fake);
    const gates = [0, 1].map(() => new Int32Array(new SharedArrayBuffer(4)));
    const [a, b] = gates.map((gate) =>
      thread.parse(bytes("GATED"), { ...opts, gate } as typeof opts),
    );
    const release = (gate: Int32Array) => {
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
    };
    const [g0, g1] = gates as [Int32Array, Int32Array];
    setTimeout(() => release(g0), 2000);
    await expect(a).resolves.toMatchObject({ kind: "parsed" });
    setTimeout(() => release(g1), 2000);
    await expect(b).resolves.toMatchObject({ kind: "parsed" });
  });

  it.each([
    ["runs over its time", "HANG", { timeMs: 1000, heapMb: 64 }, "over its 1000 ms time budget"],
    ["runs out of heap", "HOARD", { timeMs: 60_000, heapMb: 32 }, "over its 32 MB heap budget"],
    ["throws", "THROW", { timeMs: 30_000, heapMb: 64 }, "parser failed: TypeError: boom"],
  ])(
    "an article whose parse %s costs that article only: the next one parses",
    async (_, first, budget, reason) => {
      thread = new ParseThread(budget, fake);
      const [bad, good] = await Promise.all([
        thread.parse(bytes(first), opts),
        thread.parse(bytes("next"), opts),
      ]);
      expect(bad).toEqual({ kind: "over-budget", reason });
      expect(good).toMatchObject({ kind: "parsed", article: { messageId: "<next>" } });
    },
  );

  it("copies only the article's bytes, and the caller keeps them", async () => {
    thread = new ParseThread({ timeMs: 30_000, heapMb: 64 }, fake);
    const big = Buffer.from("xyz\n".repeat(1000));
    const view = big.subarray(0, 3);
    await expect(thread.parse(view, opts)).resolves.toMatchObject({
      article: { messageId: "<xyz>" },
    });
    expect(view.toString()).toBe("xyz");
  });
});

describe("parseStoredInThread", { timeout: 60_000 }, () => {
  const ref = { method: null, path: "/spool/g/1", token: null, group: "g", number: 1 };

  it("over budget: the article from its header alone, and why", async () => {
    thread = new ParseThread({ timeMs: 1000, heapMb: 64 }, fake);
    const raw = bytes("HANG: 1\r\nMessage-ID: <h@x>\r\nSubject: s\r\n\r\nbody\r\n.\r\n");
    const { article, overBudget } = await parseStoredInThread(
      ref,
      { raw, bytes: raw.length, truncated: false },
      300,
      thread,
    );
    expect(overBudget).toBe("over its 1000 ms time budget");
    expect(article).toMatchObject({
      messageId: "<h@x>",
      subject: "s",
      snippet: "",
      path: "/spool/g/1",
      bytes: raw.length,
      truncatedFields: ["snippet"],
    });
  });

  it("not an article: ArticleParseError, as parseStored throws", async () => {
    thread = new ParseThread({ timeMs: 30_000, heapMb: 64 }, fake);
    const raw = bytes("NOTANARTICLE\n\nbody\n");
    await expect(
      parseStoredInThread(ref, { raw, bytes: raw.length, truncated: false }, 300, thread),
    ).rejects.toThrow("no Message-ID header");
  });
});
