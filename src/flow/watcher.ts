import { unwatchFile, watchFile } from "node:fs";
import { join } from "node:path";
import type { Article } from "../article/article.js";
import { walkDepth } from "../sources/generate.js";
import type { SourceChoice } from "../sources/registry.js";
import type { Program } from "../sources/source.js";
import { TraceSupervisor } from "../sources/supervisor.js";
import type { Stats } from "../stats/stats.js";
import { ParseThread } from "../storage/parse-thread.js";
import type { HostFacts } from "../system/host.js";
import { fileIdentity, inndBinaryFacts } from "../system/innd-binary.js";
import { InndPidFile, inndProcess, runningInode } from "../system/innd-process.js";
import { systemdNotifier } from "../system/sdnotify.js";
import { errorMessage } from "../util/errors.js";
import type { Log } from "../util/log.js";
import { InndBinaryWatch } from "./binary-watch.js";
import { CatchUp, type CatchUpReason } from "./catchup.js";
import type { Delivery } from "./delivery.js";
import { DepthRaise } from "./depth-raise.js";
import type { ArticleFlow } from "./pipeline.js";
import { runFlow } from "./run-flow.js";
import type { RunState } from "./run-state.js";
import { inndWant, ownInndPids, programContext, type Setup, storageContext } from "./setup.js";
import { SystemdStatus } from "./systemd-status.js";

/** How often innd's binary is compared with the one a uprobe is attached to. */
const BINARY_CHECK_MS = 2000;
/** How often the active file is polled for new (maybe deeper) groups. */
const ACTIVE_POLL_MS = 2000;

export interface WatcherOptions {
  setup: Setup;
  /** Refreshed when innd's binary is replaced (a uprobe program is generated from it). */
  host: HostFacts;
  choice: SourceChoice;
  state: Pick<RunState, "marks" | "outbox">;
  delivery: Pick<Delivery, "admit" | "labels">;
  log: Log;
  stats: Stats;
}

/**
 * One run: source → flow → delivery, and what keeps it whole, each its own collaborator: the
 * trace (TraceSupervisor: restarts, fallback, handover), catch-up (at start, after restarts and
 * lost events, periodically), the walk depth raised when deeper groups appear, the re-attach when
 * innd's binary is replaced, and systemd's status. They are built in that order; the flow's two
 * reports (lost events, a short walk) and the trace's attach go to this class's methods, which
 * only run once `run` has started.
 */
export class Watcher {
  readonly #o: WatcherOptions;
  readonly #systemd: SystemdStatus;
  /** Articles are parsed in one warm worker thread with a time and heap budget. */
  readonly #parseThread = new ParseThread();
  readonly #flow: ArticleFlow;
  readonly #catchUp: CatchUp;
  readonly #trace: TraceSupervisor;
  readonly #depth: DepthRaise;
  readonly #binary: InndBinaryWatch;
  #attachedOnce = false;

  constructor(o: WatcherOptions) {
    this.#o = o;
    const { setup, log, stats } = o;
    const { config } = setup;
    const storage = storageContext(setup);
    this.#systemd = new SystemdStatus(systemdNotifier(log), setup.spool);
    const inndPid = new InndPidFile(join(setup.inn.run, "innd.pid"));
    this.#flow = runFlow(setup, {
      parseThread: this.#parseThread,
      storage,
      log,
      deliver: (article) => this.#admit(article),
      onLost: () => this.#catchUpNow("lost"),
      onShortfall: () => this.#raiseDepth("a path walk ran out of depth"),
      ownInnd: (pid) => inndPid.isOurs(pid),
      stats,
    });
    this.#catchUp = new CatchUp({
      spool: setup.spool,
      storage,
      activeFile: config.activeFile,
      marks: o.state.marks,
      limits: config.catchUp,
      log,
      seen: (g, n) => this.#flow.seen(g, n),
      article: (ref) => this.#flow.stored(ref),
      beforeSave: () => o.state.outbox.sync(),
      stats,
    });
    this.#trace = new TraceSupervisor({
      command: config.bpftrace,
      source: o.choice.source,
      bpftraceVersion: o.host.bpftrace,
      mayFallBack: config.mode === "auto",
      makeProgram: async (source) => source.program(await programContext(setup, o.host)),
      onEvent: (ev) => void this.#flow.handle(ev),
      onAttached: (program, restarts) => this.#attached(program, restarts),
      log,
    });
    this.#depth = new DepthRaise(
      this.#trace,
      async () => walkDepth(await programContext(setup, o.host)),
      log,
    );
    this.#binary = new InndBinaryWatch(this.#trace, {
      inodeOf: async (path) => (await fileIdentity(path))?.ino ?? null,
      runningInode: async (binary) => {
        const want = inndWant(setup);
        const innd = want ? await inndProcess(setup.inn.run, want) : null;
        return innd ? runningInode(innd.pid, binary) : null;
      },
    });
  }

  /**
   * Traces until `stopSignal` (or until the trace ends by itself), then detaches bpftrace and saves
   * catch-up's marks. Throws only when the very first program cannot attach.
   */
  async run(stopSignal: Promise<string>): Promise<void> {
    const stopPolling = this.#poll();
    try {
      const running = this.#trace.run();
      const signal = await Promise.race([stopSignal, running.then(() => null)]);
      if (signal) this.#o.log("info", `${signal}: stopping`);
      await this.#trace.stop();
      await running;
      await this.#saveProgress();
    } finally {
      stopPolling();
      void this.#parseThread.close();
    }
  }

  /** The timers of a run: innd's binary, the active file, the periodic catch-up. */
  #poll(): () => void {
    const { config } = this.#o.setup;
    const binary = setInterval(() => void this.#checkBinary(), BINARY_CHECK_MS);
    // A group added while we run may be deeper than the walk: regenerate before its first article.
    const onActive = () => this.#raiseDepth("the active file changed");
    watchFile(config.activeFile, { interval: ACTIVE_POLL_MS }, onActive);
    const periodic = setInterval(
      () => this.#catchUpNow("periodic"),
      config.catchUp.intervalSeconds * 1000,
    );
    return () => {
      clearInterval(binary);
      clearInterval(periodic);
      unwatchFile(config.activeFile, onActive);
    };
  }

  async #admit(article: Article): Promise<void> {
    await this.#o.delivery.admit(article);
    this.#systemd.admitted(article.messageId);
  }

  #catchUpNow(reason: CatchUpReason): void {
    void this.#catchUp.request(reason);
  }

  #raiseDepth(reason: string): void {
    void this.#depth.raise(reason);
  }

  #attached(program: Program, restarts: number): void {
    const { setup, choice, log, stats, delivery } = this.#o;
    void this.#binary.attached(program);
    const why =
      program.source === choice.source.name ? choice.reason : "fallback after an attach failure";
    const detail = program.depth > 0 ? `walk depth ${program.depth}` : program.detail;
    const first = restarts === 0 && !this.#attachedOnce;
    this.#attachedOnce = true;
    stats.attached(program.source, detail, restarts);
    log(
      "info",
      `${first ? "ready" : "re-attached"}: ${program.source} mode (${why}), ${detail}; watching ${setup.config.process} → ` +
        `${setup.spool}; notifying ${delivery.labels.join(", ")}`,
    );
    this.#systemd.attached(program.source);
    // Attached first, then reconciled: whatever was filed before now is caught up, after it traced.
    this.#catchUpNow(first ? "start" : "restarted");
  }

  /** innd runs a new binary (an upgrade): its facts read again, re-attached, the gap caught up. */
  async #checkBinary(): Promise<void> {
    try {
      const binary = await this.#binary.replaced();
      if (!binary) return;
      this.#o.host.innd = await inndBinaryFacts(await ownInndPids(this.#o.setup));
      await this.#trace.handover(`innd runs a new ${binary} (upgraded?)`);
      this.#catchUpNow("binaryReplaced");
    } catch (e) {
      this.#o.log("error", `re-attaching to innd's new binary failed: ${errorMessage(e)}`);
    }
  }

  /** A failure here costs only re-reading at the next start (the outbox de-duplicates): said, not thrown. */
  async #saveProgress(): Promise<void> {
    await this.#catchUp
      .saveProgress()
      .catch((e: unknown) =>
        this.#o.log(
          "warn",
          `catch-up marks not saved at stop (the next start reads again): ${errorMessage(e)}`,
        ),
      );
  }
}
