import { unwatchFile, watchFile } from "node:fs";
import { admit } from "../delivery/admit.js";
import { Dispatcher } from "../delivery/dispatcher.js";
import { JournaledNotifier } from "../delivery/journaled.js";
import { targetKeys } from "../delivery/targets.js";
import { CatchUp } from "../flow/catchup.js";
import { ArticleFlow } from "../flow/pipeline.js";
import { activeDepth, buildProgram, loadSetup } from "../flow/setup.js";
import { buildNotifiers } from "../notify/build.js";
import { unrollDepth } from "../sources/generate.js";
import { TraceSupervisor } from "../sources/supervisor.js";
import { ensureDir } from "../state/files.js";
import { HighWater } from "../state/highwater.js";
import { lockStateDir } from "../state/lock.js";
import { Outbox } from "../state/outbox.js";
import { bpftraceVersion, ensureTracefs, kernelFacts, pidsNamed } from "../system/facts.js";
import { chooseMode } from "../system/mode.js";
import { errorMessage, UserError } from "../util/errors.js";
import type { Log } from "../util/log.js";

export interface WatchOptions {
  config?: string;
  log: Log;
  /** Resolves when the watcher should stop (SIGINT/SIGTERM at the CLI). */
  stopSignal: Promise<string>;
  stdout?: NodeJS.WritableStream;
}

/** `newsnotify watch`: trace innd, turn created articles into notifications, until told to stop. */
export async function watch(opts: WatchOptions): Promise<void> {
  const { log } = opts;
  const setup = await loadSetup(opts.config);
  const { config } = setup;
  await preflight(config.bpftrace, log);
  const kernel = await kernelFacts();
  const chosen = chooseMode(config.mode, kernel);
  if ((await pidsNamed(config.process)).length === 0) {
    log(
      "warn",
      `no process named ${config.process} is running yet; articles appear once it starts`,
    );
  }

  await ensureDir(config.stateDir).catch((e: unknown) => {
    throw new UserError(`cannot create the state directory ${config.stateDir}: ${errorMessage(e)}`);
  });
  const unlock = await lockStateDir(config.stateDir);
  const outbox = await Outbox.open(config.stateDir);
  const marks = await HighWater.load(config.stateDir);

  const targets = targetKeys(config.notifiers);
  const notifiers = buildNotifiers(config.notifiers, { stdout: opts.stdout }).map(
    (n, i) => new JournaledNotifier(n, targets[i] ?? String(i), outbox),
  );
  const dispatcher = new Dispatcher(notifiers, { log: (line) => log("warn", line) });
  await resend(outbox, targets, dispatcher, log);

  let supervisor: TraceSupervisor | null = null;
  const flow = new ArticleFlow({
    spool: setup.spool,
    activeFile: config.activeFile,
    read: { maxBytes: config.maxArticleBytes, timeoutMs: config.completeTimeoutMs },
    snippetChars: config.snippetChars,
    log,
    // Journaled before it is sent: a crash or an outage from here on loses nothing (and a power cut
    // nothing either: catch-up fdatasyncs the journal before its marks move past an article).
    deliver: async (article) => {
      if ((await admit(outbox, notifiers, article)).length > 0) dispatcher.dispatch(article);
    },
    onLost: () => void catchUp.request("bpftrace lost events"),
    onShortfall: () => void raiseDepth("a path walk ran out of depth"),
  });
  const catchUp = new CatchUp({
    spool: setup.spool,
    activeFile: config.activeFile,
    marks,
    limits: config.catchUp,
    log,
    seen: (g, n) => flow.seen(g, n),
    article: (path) => flow.article(path),
    beforeSave: () => outbox.sync(),
  });

  // One raise at a time (set before any await): innd creates several deep files at once.
  let raising = false;
  const raiseDepth = async (reason: string) => {
    if (raising || !supervisor || supervisor.choice?.mode !== "kprobe") return;
    raising = true;
    try {
      const need = unrollDepth(
        setup.spool,
        await activeDepth(config.activeFile),
        config.depthMargin,
      );
      const current = supervisor.choice;
      if (current && need > current.depth) {
        await supervisor.handover(`${reason}; depth ${current.depth} → ${need}`);
      }
    } finally {
      raising = false;
    }
  };

  let readyOnce = false;
  supervisor = new TraceSupervisor({
    command: config.bpftrace,
    mayFallBack: config.mode === "auto",
    makeProgram: async (fallback) => {
      const mode = fallback ? "tracepoint" : chosen.mode;
      return { mode, ...(await buildProgram(setup, mode, kernel)) };
    },
    onEvent: (ev) => void flow.handle(ev),
    onAttached: (choice, restarts) => {
      const why = choice.mode === chosen.mode ? chosen.reason : "kprobe attach failed";
      const depth = choice.mode === "kprobe" ? `, walk depth ${choice.depth}` : "";
      const first = restarts === 0 && !readyOnce;
      readyOnce = true;
      log(
        "info",
        `${first ? "ready" : "re-attached"}: ${choice.mode} mode (${why})${depth}; watching ${config.process} → ` +
          `${setup.spool}; notifying ${notifiers.map((n) => n.label).join(", ")}`,
      );
      // Attached first, then reconciled: whatever was filed before now is caught up, after it traced.
      void catchUp.request(first ? "start" : "bpftrace restarted");
    },
    log,
  });

  // A group added while we run may be deeper than the walk: regenerate before its first article.
  const onActive = () => void raiseDepth("the active file changed");
  watchFile(config.activeFile, { interval: 2000 }, onActive);
  const periodic = setInterval(
    () => void catchUp.request("periodic"),
    config.catchUp.intervalSeconds * 1000,
  );

  try {
    const running = supervisor.run();
    const signal = await Promise.race([opts.stopSignal, running.then(() => null)]);
    if (signal) log("info", `${signal}: stopping`);
    await supervisor.stop();
    await running;
  } finally {
    clearInterval(periodic);
    unwatchFile(config.activeFile, onActive);
    const left = await dispatcher.drain(5000);
    await dispatcher.close();
    await outbox.close();
    await unlock();
    if (left > 0)
      log(
        "warn",
        `${left} notification(s) not yet delivered; kept in the outbox for the next start`,
      );
  }
}

/** Sends again what the outbox still holds from an earlier run (a crash, an outage, a stop). */
async function resend(
  outbox: Outbox,
  targets: string[],
  dispatcher: Dispatcher,
  log: Log,
): Promise<void> {
  const pending = outbox.pending();
  if (pending.length === 0) return;
  const known = new Set(targets);
  const articles = new Map<string, (typeof pending)[number]["article"]>();
  for (const p of pending) {
    if (known.has(p.target)) articles.set(p.article.messageId, p.article);
    else await outbox.drop(p.target, p.article.messageId, "its notifier is no longer configured");
  }
  log("info", `resending ${articles.size} article(s) left undelivered in the outbox`);
  for (const a of articles.values()) dispatcher.dispatch(a);
}

/** Fails early, with what to do, when bpftrace cannot run at all. */
async function preflight(command: readonly string[], log: Log): Promise<void> {
  const version = await bpftraceVersion(command);
  if (!version) {
    throw new UserError(
      `cannot run ${command.join(" ")} --version. Install bpftrace (Debian/Ubuntu: apt-get install bpftrace), ` +
        `or set "bpftrace:" in the config to the command that runs it.`,
      3,
    );
  }
  const viaSudo = command[0] === "sudo" || command[0] === "doas";
  if (!viaSudo && process.getuid?.() !== 0) {
    throw new UserError(
      `bpftrace needs root (CAP_BPF and CAP_PERFMON). Run newsnotify as root, or set ` +
        `bpftrace: [sudo, -n, bpftrace] in the config (see the README for the sudoers line).`,
      4,
    );
  }
  if (!viaSudo) {
    const mounted = await ensureTracefs().catch((e: unknown) => {
      throw new UserError(`tracefs is not mounted and mounting it failed: ${errorMessage(e)}`, 3);
    });
    if (mounted) log("info", mounted);
  }
}
