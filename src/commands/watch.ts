import { unwatchFile, watchFile } from "node:fs";
import { join } from "node:path";
import type { Article } from "../article/article.js";
import { admit } from "../delivery/admit.js";
import { Dispatcher } from "../delivery/dispatcher.js";
import { LocalQueue } from "../delivery/local-queue.js";
import { RecordedNotifier } from "../delivery/recorded.js";
import { targetKeys } from "../delivery/targets.js";
import type { DeliveryQueue } from "../delivery/work.js";
import { CatchUp } from "../flow/catchup.js";
import { ArticleFlow } from "../flow/pipeline.js";
import {
  chooseFor,
  gatherHost,
  inndWant,
  loadSetup,
  ownInndPids,
  programContext,
  type Setup,
  storageContext,
} from "../flow/setup.js";
import { buildNotifiers } from "../notify/build.js";
import { compileGate } from "../notify/route.js";
import { walkDepth } from "../sources/generate.js";
import { bpftracePrivilege } from "../sources/privilege.js";
import type { SourceChoice } from "../sources/registry.js";
import type { Program } from "../sources/source.js";
import { TraceSupervisor } from "../sources/supervisor.js";
import { prepareStateDir } from "../state/dir.js";
import { HighWater } from "../state/highwater.js";
import { lockStateDir } from "../state/lock.js";
import { Outbox } from "../state/outbox.js";
import { rekeyPending, targetKey } from "../state/target-key.js";
import { ParseThread } from "../storage/parse-thread.js";
import { ensureTracefs, pidsNamed } from "../system/facts.js";
import type { HostFacts } from "../system/host.js";
import { fileIdentity, inndBinaryFacts } from "../system/innd-binary.js";
import { InndPidFile, inndProcess, runningInode } from "../system/innd-process.js";
import { systemdNotifier } from "../system/sdnotify.js";
import { EnvironmentError, EXIT, errorMessage, UserError } from "../util/errors.js";
import type { Log } from "../util/log.js";
import { Stats } from "../util/stats.js";
import { observe } from "./observe.js";

export interface WatchOptions {
  config?: string;
  log: Log;
  /** Resolves when the watcher should stop (SIGINT/SIGTERM at the CLI). */
  stopSignal: Promise<string>;
  stdout?: NodeJS.WritableStream;
  /** Counters for `status` and /metrics (kept across a SIGHUP reload). */
  stats?: Stats;
}

/** `newsnotify watch`: see innd store articles and notify each, until told to stop. */
export async function watch(opts: WatchOptions): Promise<void> {
  const setup = await loadSetup(opts.config);
  const { host, choice } = await preflight(setup, opts.log);
  const state = await openState(setup, opts.log);
  const stats = opts.stats ?? new Stats();
  try {
    // status.json and /metrics; closed last, so the last status written says what was left.
    const seeing = await observe(setup.config, state.dir, stats, opts.log);
    try {
      const delivery = await openDelivery(setup, state, { ...opts, stats });
      const run = wire(setup, host, choice, state, delivery, opts.log, stats);
      try {
        await runUntilStopped(run.supervisor, opts);
        await run.saveProgress();
      } finally {
        run.close();
        await closeDelivery(delivery, opts.log);
      }
    } finally {
      await seeing.close();
    }
  } finally {
    await state.close();
  }
}

/** Fails early, with what to do, when bpftrace cannot run at all; then picks the source. */
async function preflight(
  setup: Setup,
  log: Log,
): Promise<{ host: HostFacts; choice: SourceChoice }> {
  const { config } = setup;
  const command = config.bpftrace;
  const host = await gatherHost(setup);
  if (!host.bpftrace) {
    throw new UserError(
      `cannot run ${command.join(" ")} --version. Install bpftrace (Debian/Ubuntu: apt-get install bpftrace), ` +
        `or set "bpftrace:" in the config to the command that runs it.`,
      EXIT.prerequisite,
    );
  }
  const privilege = bpftracePrivilege(command, process.getuid?.());
  if (privilege === null) {
    throw new UserError(
      `bpftrace needs root (CAP_BPF and CAP_PERFMON). Run newsnotify as root, or set ` +
        `bpftrace: [sudo, -n, /usr/libexec/newsnotify/bpftrace] in the config (a root-owned wrapper, not bpftrace itself: see the README, Security).`,
      EXIT.permission,
    );
  }
  if (privilege === "root") {
    const mounted = await ensureTracefs().catch((e: unknown) => {
      throw new UserError(
        `tracefs is not mounted and mounting it failed: ${errorMessage(e)}`,
        EXIT.prerequisite,
      );
    });
    if (mounted) log("info", mounted);
  }
  if ((await pidsNamed(config.process)).length === 0) {
    log(
      "warn",
      `no process named ${config.process} is running yet; articles appear once it starts`,
    );
  }
  return { host, choice: chooseFor(setup, host) };
}

interface State {
  dir: string;
  outbox: Outbox;
  marks: HighWater;
  close(): Promise<void>;
}

/** The state directory, locked for this watcher, with its outbox and high-water marks. */
async function openState(setup: Setup, log: Log): Promise<State> {
  // Checked before anything is written there: a refused directory is left as it was found.
  const dir = await prepareStateDir(setup.config.stateDir, { log });
  const unlock = await lockStateDir(dir);
  try {
    const outbox = await Outbox.open(dir, { log });
    const marks = await HighWater.load(dir).catch(async (e: unknown) => {
      await outbox.close();
      throw e;
    });
    return {
      dir,
      outbox,
      marks,
      close: async () => {
        await outbox.close();
        await unlock();
      },
    };
  } catch (e) {
    await unlock();
    if (e instanceof UserError) throw e;
    throw new EnvironmentError(`state directory ${dir}: ${errorMessage(e)}`, { cause: e });
  }
}

interface Delivery {
  dispatcher: Dispatcher;
  queue: DeliveryQueue;
  targets: string[];
  labels: string[];
  /** Enqueues an article for its notifiers: from here on nothing loses it. */
  admit(article: Article): Promise<void>;
}

/**
 * The notifiers, each under its target key, and their workers pulling from the local journal
 * (which still holds what an earlier run left undelivered: it goes out first).
 */
async function openDelivery(setup: Setup, state: State, opts: WatchOptions): Promise<Delivery> {
  const { config } = setup;
  const { outbox } = state;
  const targets = targetKeys(config.notifiers, await targetKey(state.dir));
  const rekeyed = await rekeyPending(outbox, targetKeys(config.notifiers), targets);
  if (rekeyed > 0) opts.log("info", `${rekeyed} pending notification(s) moved to keyed target ids`);
  const notifiers = buildNotifiers(config.notifiers, { stdout: opts.stdout }).map(
    (n, i) => new RecordedNotifier(n, targets[i] ?? String(i), opts.stats),
  );
  opts.stats?.configure(notifiers.map((n) => ({ target: n.target, label: n.label })));
  opts.stats?.backlogFrom(() => outbox.pendingByTarget());
  await forgetUnconfigured(outbox, new Set(targets), opts.log);
  const queue = new LocalQueue(outbox);
  const dispatcher = new Dispatcher(notifiers, {
    log: (line) => opts.log("warn", line),
    queue: { queue, targets: notifiers.map((n) => n.target) },
  });
  return {
    dispatcher,
    queue,
    targets,
    labels: notifiers.map((n) => n.label),
    // Journaled before it is sent: a crash or an outage from here on loses nothing (and a power cut
    // nothing either: catch-up fdatasyncs the journal before its marks move past an article).
    admit: async (article) => {
      await admit(queue, notifiers, article);
    },
  };
}

/**
 * What the outbox holds from an earlier run (a crash, an outage, a stop) is sent again by the
 * workers; entries of a notifier no longer configured are dropped, saying so.
 */
async function forgetUnconfigured(outbox: Outbox, known: Set<string>, log: Log): Promise<void> {
  const articles = new Set<string>();
  for (const target of outbox.targets()) {
    const ids = [...outbox.entries(target)].map(([id]) => id);
    if (known.has(target)) for (const id of ids) articles.add(id);
    else
      for (const id of ids) await outbox.drop(target, id, "its notifier is no longer configured");
  }
  if (articles.size > 0) {
    log("info", `resending ${articles.size} article(s) left undelivered in the outbox`);
  }
}

/**
 * Source → flow → delivery, plus what keeps it whole: catch-up (at start, after restarts and lost
 * events, periodically) and the walk depth raised when deeper groups appear.
 */
function wire(
  setup: Setup,
  host: HostFacts,
  choice: SourceChoice,
  state: State,
  delivery: Delivery,
  log: Log,
  stats: Stats,
): { supervisor: TraceSupervisor; saveProgress(): Promise<void>; close(): void } {
  const { config } = setup;
  const storage = storageContext(setup);
  // systemd (Type=notify): READY=1 once attached, STATUS= with the mode and counts.
  const sd = systemdNotifier(log);
  let admitted = 0;
  const inndPid = new InndPidFile(join(setup.inn.run, "innd.pid"));
  // Articles are parsed in one warm worker thread with a time and heap budget (issue 23).
  const parseThread = new ParseThread();
  const flow = new ArticleFlow({
    spool: setup.spool,
    parseThread,
    storage,
    activeFile: config.activeFile,
    read: { maxBytes: config.maxArticleBytes, timeoutMs: config.completeTimeoutMs },
    snippetChars: config.snippetChars,
    log,
    // Every notifier's route, asked before an article's body is read (issue 22).
    route: compileGate(config.notifiers),
    deliver: async (article) => {
      await delivery.admit(article);
      sd.status(
        `${supervisor.program?.source} mode; ${++admitted} article(s) since start, last ${article.messageId}`,
      );
    },
    onLost: () => void catchUp.request("lost"),
    onShortfall: () => void raiseDepth("a path walk ran out of depth"),
    ownInnd: (pid) => inndPid.isOurs(pid),
    stats,
  });
  const catchUp = new CatchUp({
    spool: setup.spool,
    storage,
    activeFile: config.activeFile,
    marks: state.marks,
    limits: config.catchUp,
    log,
    seen: (g, n) => flow.seen(g, n),
    article: (ref) => flow.stored(ref),
    beforeSave: () => state.outbox.sync(),
    stats,
  });

  let readyOnce = false;
  const supervisor = new TraceSupervisor({
    command: config.bpftrace,
    source: choice.source,
    bpftraceVersion: host.bpftrace,
    mayFallBack: config.mode === "auto",
    makeProgram: async (source) => source.program(await programContext(setup, host)),
    onEvent: (ev) => void flow.handle(ev),
    onAttached: (program: Program, restarts: number) => {
      attachedIno = null;
      if (program.binary) {
        void fileIdentity(program.binary).then((id) => {
          attachedIno = id?.ino ?? null;
        });
      }
      const why =
        program.source === choice.source.name ? choice.reason : "fallback after an attach failure";
      const detail = program.depth > 0 ? `walk depth ${program.depth}` : program.detail;
      const first = restarts === 0 && !readyOnce;
      stats.attached(program.source, detail, restarts);
      readyOnce = true;
      log(
        "info",
        `${first ? "ready" : "re-attached"}: ${program.source} mode (${why}), ${detail}; watching ${config.process} → ` +
          `${setup.spool}; notifying ${delivery.labels.join(", ")}`,
      );
      sd.ready(
        `${program.source} mode, watching ${setup.spool}; ${admitted} article(s) since start`,
      );
      // Attached first, then reconciled: whatever was filed before now is caught up, after it traced.
      void catchUp.request(first ? "start" : "restarted");
    },
    log,
  });

  // One raise at a time (set before any await): innd creates several deep files at once.
  let raising = false;
  const raiseDepth = async (reason: string) => {
    const current = supervisor.program;
    if (raising || !current || current.depth === 0) return;
    raising = true;
    try {
      const need = walkDepth(await programContext(setup, host));
      if (need > current.depth) {
        await supervisor.handover(`${reason}; depth ${current.depth} → ${need}`);
      }
    } finally {
      raising = false;
    }
  };

  // A uprobe sits on the binary's inode: a package upgrade renames a new file over it and restarts
  // innd, which then runs code nothing traces. Noticed here, re-attached, and the gap caught up.
  let attachedIno: number | null = null;
  const checkBinary = async () => {
    const current = supervisor.program;
    if (!current?.binary || attachedIno === null) return;
    const want = inndWant(setup);
    const innd = want ? await inndProcess(setup.inn.run, want) : null;
    const running = innd ? await runningInode(innd.pid, current.binary) : null;
    if (running === null || running === attachedIno) return;
    attachedIno = null;
    host.innd = await inndBinaryFacts(await ownInndPids(setup));
    await supervisor.handover(`innd runs a new ${current.binary} (upgraded?)`);
    void catchUp.request("binaryReplaced");
  };
  const binaryTimer = setInterval(() => void checkBinary(), 2000);

  // A group added while we run may be deeper than the walk: regenerate before its first article.
  const onActive = () => void raiseDepth("the active file changed");
  watchFile(config.activeFile, { interval: 2000 }, onActive);
  const periodic = setInterval(
    () => void catchUp.request("periodic"),
    config.catchUp.intervalSeconds * 1000,
  );
  return {
    supervisor,
    // A failure here costs only re-reading at the next start (the outbox de-duplicates): say so, go on.
    saveProgress: () =>
      catchUp
        .saveProgress()
        .catch((e: unknown) =>
          log(
            "warn",
            `catch-up marks not saved at stop (the next start reads again): ${errorMessage(e)}`,
          ),
        ),
    close: () => {
      void parseThread.close();
      clearInterval(periodic);
      clearInterval(binaryTimer);
      unwatchFile(config.activeFile, onActive);
    },
  };
}

/** Runs the trace until a stop signal (or until it ends by itself), then detaches bpftrace. */
async function runUntilStopped(supervisor: TraceSupervisor, opts: WatchOptions): Promise<void> {
  const running = supervisor.run();
  const signal = await Promise.race([opts.stopSignal, running.then(() => null)]);
  if (signal) opts.log("info", `${signal}: stopping`);
  await supervisor.stop();
  await running;
}

/** Pending notifications get 5 s; the rest stays in the outbox for the next start. */
async function closeDelivery(delivery: Delivery, log: Log): Promise<void> {
  const left = await delivery.dispatcher.drain(5000);
  await delivery.dispatcher.close();
  if (left > 0)
    log("warn", `${left} notification(s) not yet delivered; kept in the outbox for the next start`);
}
