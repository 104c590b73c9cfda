/**
 * The collaborators of a run (flow/watcher.ts) apart from bpftrace and innd: the walk depth raise,
 * the watch on innd's binary, and what systemd is told. Fakes stand for the trace and /proc; no
 * test waits on a clock.
 */
import { describe, expect, it } from "vitest";
import { InndBinaryWatch } from "../../../src/flow/binary-watch.js";
import { DepthRaise } from "../../../src/flow/depth-raise.js";
import { SystemdStatus } from "../../../src/flow/systemd-status.js";

/** A trace whose program and handovers the test sees. */
function fakeTrace(program: { depth: number; binary?: string } | null) {
  const handovers: string[] = [];
  return {
    program,
    handovers,
    handover: async (reason: string) => {
      handovers.push(reason);
    },
  };
}

function deferred<T>() {
  let resolve: (v: T) => void = () => {};
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe("DepthRaise", () => {
  it.each([
    { what: "a deeper walk is needed", depth: 8, need: 10, raised: true },
    { what: "the walk is deep enough", depth: 8, need: 8, raised: false },
    { what: "the walk is deeper than needed", depth: 12, need: 8, raised: false },
    { what: "the source has no walk (uprobe)", depth: 0, need: 10, raised: false },
  ])("$what: handed over = $raised", async ({ depth, need, raised }) => {
    const trace = fakeTrace({ depth });
    const r = new DepthRaise(
      trace,
      async () => need,
      () => {},
    );
    expect(await r.raise("the active file changed")).toBe(raised);
    expect(trace.handovers).toEqual(
      raised ? [`the active file changed; depth ${depth} → ${need}`] : [],
    );
  });

  it("does nothing before a program runs", async () => {
    const trace = fakeTrace(null);
    expect(
      await new DepthRaise(
        trace,
        async () => 9,
        () => {},
      ).raise("x"),
    ).toBe(false);
  });

  it("one raise at a time: a second asked while the first runs does nothing, a third after it does", async () => {
    const trace = fakeTrace({ depth: 4 });
    const need = deferred<number>();
    const r = new DepthRaise(
      trace,
      () => need.promise,
      () => {},
    );
    const first = r.raise("deep file 1");
    const second = r.raise("deep file 2");
    need.resolve(6);
    expect(await second).toBe(false);
    expect(await first).toBe(true);
    expect(trace.handovers).toEqual(["deep file 1; depth 4 → 6"]);
    trace.program = { depth: 6 };
    const r2 = new DepthRaise(
      trace,
      async () => 7,
      () => {},
    );
    expect(await r2.raise("deep file 3")).toBe(true);
  });

  it("a failure to read what is needed is logged, not thrown, and the next raise may run", async () => {
    const trace = fakeTrace({ depth: 4 });
    const logged: string[] = [];
    let fail = true;
    const r = new DepthRaise(
      trace,
      async () => {
        if (fail) throw new Error("active: EACCES");
        return 5;
      },
      (_level, line) => logged.push(line),
    );
    expect(await r.raise("x")).toBe(false);
    expect(logged).toEqual(["raising the walk depth failed (x): active: EACCES"]);
    fail = false;
    expect(await r.raise("y")).toBe(true);
  });
});

describe("InndBinaryWatch", () => {
  const BIN = "/usr/lib/news/bin/innd";

  function setup(files: Record<string, number>, running: number | null) {
    const trace = fakeTrace({ depth: 0, binary: BIN });
    const io = {
      running,
      inodeOf: async (path: string) => files[path] ?? null,
      runningInode: async () => io.running,
    };
    return { trace, io, watch: new InndBinaryWatch(trace, io) };
  }

  it.each([
    { what: "innd runs the inode attached to", running: 100, replaced: null },
    { what: "innd runs a new inode (an upgrade)", running: 200, replaced: BIN },
    { what: "innd is not running", running: null, replaced: null },
  ])("$what → $replaced", async ({ running, replaced }) => {
    const { watch } = setup({ [BIN]: 100 }, running);
    await watch.attached({ binary: BIN });
    expect(await watch.replaced()).toBe(replaced);
  });

  it("says a replacement once; the next attach arms it again", async () => {
    const { watch, io } = setup({ [BIN]: 100 }, 200);
    await watch.attached({ binary: BIN });
    expect(await watch.replaced()).toBe(BIN);
    expect(await watch.replaced()).toBeNull();
    await watch.attached({ binary: BIN }); // re-attached: the file is still inode 100 here
    io.running = 300;
    expect(await watch.replaced()).toBe(BIN);
  });

  it("a program without a binary (tracepoint, kprobe) is never replaced", async () => {
    const { watch, trace } = setup({ [BIN]: 100 }, 200);
    trace.program = { depth: 8 };
    await watch.attached({});
    expect(await watch.replaced()).toBeNull();
  });

  it("an older attach's inode, read late, does not overwrite a newer one's", async () => {
    const trace = fakeTrace({ depth: 0, binary: BIN });
    const slow = deferred<number | null>();
    const answers = [slow.promise, Promise.resolve(200)];
    const watch = new InndBinaryWatch(trace, {
      inodeOf: () => answers.shift() ?? Promise.resolve(null),
      runningInode: async () => 200,
    });
    const older = watch.attached({ binary: BIN });
    await watch.attached({ binary: BIN });
    slow.resolve(100);
    await older;
    expect(await watch.replaced()).toBeNull();
  });
});

describe("SystemdStatus", () => {
  it("READY=1 with the source on each attach, STATUS= with the count since start", () => {
    const sent: string[] = [];
    const s = new SystemdStatus(
      { ready: (t) => sent.push(`READY ${t}`), status: (t) => sent.push(`STATUS ${t}`) },
      "/var/spool/news/articles",
    );
    s.attached("tracepoint");
    s.admitted("<1@x>");
    s.admitted("<2@x>");
    s.attached("uprobe");
    s.admitted("<3@x>");
    expect(sent).toEqual([
      "READY tracepoint mode, watching /var/spool/news/articles; 0 article(s) since start",
      "STATUS tracepoint mode; 1 article(s) since start, last <1@x>",
      "STATUS tracepoint mode; 2 article(s) since start, last <2@x>",
      "READY uprobe mode, watching /var/spool/news/articles; 2 article(s) since start",
      "STATUS uprobe mode; 3 article(s) since start, last <3@x>",
    ]);
  });
});
