import { lstatSync, readFileSync, renameSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { loadStateDir } from "../config/schema.js";
import { closeDelivery, openDelivery } from "../flow/delivery.js";
import { FeedRun, readSitePatterns } from "../flow/feed-run.js";
import { observe } from "../flow/observe.js";
import { openState, type RunState as State } from "../flow/run-state.js";
import { loadSetup, type Setup } from "../flow/setup.js";
import { subscription } from "../inn/newsfeeds.js";
import { decodeFeedLine, FeedLines, MAX_LINE } from "../sources/feed.js";
import { FeedInbox } from "../state/feed-inbox.js";
import { LockHeldError } from "../state/lock.js";
import { Stats } from "../stats/stats.js";
import { errorMessage } from "../util/errors.js";
import type { Log } from "../util/log.js";

/** The feed's own state directory when the config names none: the package makes it, owned by news. */
export const FEED_STATE_DIR = "/var/lib/newsnotify-feed";

/** How long a new feed waits for the one innd just closed (it drains its notifiers for 5 s). */
const LOCK_WAIT_MS = 60_000;
/** How long a feed that cannot start waits before it exits (and innd starts it again). */
const FAILED_START_PAUSE_MS = 10_000;

export interface FeedOptions {
  config?: string;
  /** innd's name for the newsfeeds entry: its spool file is <pathoutgoing>/<site>. */
  site: string;
  /** innd's channel (stdin). */
  input: NodeJS.ReadableStream;
  log: Log;
  /** Resolves on SIGINT/SIGTERM: stop reading, finish what was read. */
  stopSignal: Promise<string>;
  stdout?: NodeJS.WritableStream;
  /** Waits between lock attempts (a test seam). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * `newsnotify feed`: innd's channel program. Reads innd's lines (token, Message-ID) from the moment
 * it starts (innd must never block on it), keeps them in the inbox until each article is journaled
 * in the outbox, replays what an earlier run left and what innd spooled while none ran, and ends
 * cleanly when innd closes the channel (ctlinnd flush, reload, shutdown).
 */
export async function feed(opts: FeedOptions): Promise<void> {
  const input = bufferInput(opts.input);
  const sleep = opts.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms)));
  let setup: Setup;
  let state: State;
  try {
    setup = await withFeedStateDir(await loadSetup(opts.config));
    state = await lockWhenFree(setup, opts.log, sleep);
  } catch (e) {
    // innd restarts a channel program the moment it exits: a pause keeps a broken config from
    // becoming a loop that fills innd's log.
    opts.log("error", `cannot start: ${errorMessage(e)}`);
    await sleep(FAILED_START_PAUSE_MS);
    throw e;
  }
  const stats = new Stats();
  stats.attached("feed", `innd's channel feed (site ${opts.site})`, 0);
  let inbox: FeedInbox | null = null;
  try {
    inbox = FeedInbox.open(state.dir);
    const seeing = await observe(setup.config, state.dir, stats, opts.log);
    try {
      const delivery = await openDelivery(setup, state, { ...opts, stats });
      const patterns = await readSitePatterns(setup.inn.etc, opts.site, opts.log);
      const run = new FeedRun({
        setup,
        subscription: patterns && subscription(patterns),
        state,
        delivery,
        log: opts.log,
        stats,
      });
      try {
        await pump(inbox, run, setup, input, opts);
      } finally {
        run.close();
        await closeDelivery(delivery, opts.log);
      }
    } finally {
      await seeing.close();
    }
  } finally {
    inbox?.close();
    await state.close();
  }
}

/** A feed never shares the watcher's default state directory: it runs as news, the watcher as root. */
async function withFeedStateDir(setup: Setup): Promise<Setup> {
  if (setup.config.stateDir !== (await loadStateDir(undefined))) return setup;
  return { ...setup, config: { ...setup.config, stateDir: FEED_STATE_DIR } };
}

/**
 * The state directory, once the feed innd just closed has let go of it (`ctlinnd flush` starts the
 * new program before the old one has finished); meanwhile the input is read into memory.
 */
async function lockWhenFree(
  setup: Setup,
  log: Log,
  sleep: (ms: number) => Promise<void>,
): Promise<State> {
  const until = Date.now() + LOCK_WAIT_MS;
  let said = false;
  for (;;) {
    try {
      return await openState(setup.config.stateDir, log);
    } catch (e) {
      if (!(e instanceof LockHeldError) || Date.now() > until) throw e;
      if (!said)
        log("info", `waiting for pid ${e.owner.pid} to finish with ${setup.config.stateDir}`);
      said = true;
      await sleep(200);
    }
  }
}

interface BufferedInput {
  /** Hands every chunk read so far, then each as it comes, to `each`; resolves at EOF. */
  drain(each: (chunk: Buffer) => void): Promise<void>;
  stop(): void;
}

/** Reads the input at once, whatever else is not ready yet: innd's writes must never wait on us. */
function bufferInput(input: NodeJS.ReadableStream): BufferedInput {
  let held: Buffer[] = [];
  let sink: ((chunk: Buffer) => void) | null = null;
  let ended = false;
  let onEnd: (() => void) | null = null;
  input.on("data", (c: Buffer | string) => {
    const chunk = typeof c === "string" ? Buffer.from(c, "latin1") : c;
    if (sink) sink(chunk);
    else held.push(chunk);
  });
  const end = () => {
    ended = true;
    onEnd?.();
  };
  input.on("end", end);
  input.on("error", end);
  return {
    drain(each) {
      for (const c of held) each(c);
      held = [];
      sink = each;
      return ended ? Promise.resolve() : new Promise((r) => (onEnd = r));
    },
    stop() {
      // No more from the pipe (innd spools what it cannot write); what Node holds already is ours.
      input.pause();
      for (let c = input.read(); c !== null; c = input.read())
        sink?.(typeof c === "string" ? Buffer.from(c, "latin1") : c);
      sink = null;
      end();
    },
  };
}

/**
 * Lines in, articles admitted: first what an earlier run left in the inbox, then what innd spooled
 * while no feed ran, then (with catch-up in the background: what innd wrote into the pipe of a
 * killed feed) the channel until EOF or a stop signal. The inbox is emptied each time nothing read
 * is still on its way; the catch-up marks move past what was handled, periodically and at the end.
 */
async function pump(
  inbox: FeedInbox,
  run: FeedRun,
  setup: Setup,
  input: BufferedInput,
  opts: FeedOptions,
): Promise<void> {
  const lines = new FeedLines();
  const working = new Set<Promise<void>>();
  const pid = process.ppid;
  let handled = 0;
  const handle = (line: string) => {
    const d = decodeFeedLine(line, pid);
    if (d.kind === "bad") return opts.log("warn", `skipped a line from innd: ${d.why}`);
    if (d.kind === "nothing") return;
    const p = run.handle(d.event).finally(() => {
      working.delete(p);
      handled++;
      if (working.size === 0) inbox.settle(lines.tail);
    });
    working.add(p);
  };
  const take = (chunk: Buffer) => {
    const { lines: whole, overlong } = lines.push(chunk);
    if (overlong > 0)
      opts.log("warn", `skipped ${overlong} line(s) from innd over ${MAX_LINE} bytes long`);
    for (const l of whole) handle(l);
    if (working.size === 0) inbox.settle(lines.tail);
  };
  if (inbox.leftover.length > 0) {
    opts.log(
      "info",
      `replaying ${inbox.leftover.length} byte(s) an earlier feed read but may not have admitted`,
    );
    take(Buffer.concat([inbox.leftover, Buffer.from("\n")]));
  }
  for (const spooled of takeSpool(setup.inn.outgoing, opts.site, opts.log)) {
    // On disk in the inbox before innd's copy goes: a crash from here on replays it from there.
    inbox.append(spooled.data, true);
    unlinkSync(spooled.path);
    opts.log("info", `replaying ${spooled.data.length} byte(s) innd spooled while no feed ran`);
    take(spooled.data);
  }
  // After the replays are handled, so that it does not read their articles again.
  while (working.size > 0) await Promise.all(working);
  const caughtUp = run.catchUp();
  const progress = setInterval(
    () => void run.saveProgress(),
    setup.config.catchUp.intervalSeconds * 1000,
  );
  opts.log("info", `ready: innd's channel feed (site ${opts.site}) → ${setup.config.stateDir}`);
  const stop = opts.stopSignal.then((sig) => {
    opts.log("info", `${sig}: finishing what was read`);
    input.stop();
  });
  void stop;
  try {
    await input.drain((chunk) => {
      inbox.append(chunk);
      take(chunk);
    });
    while (working.size > 0) await Promise.all(working);
    inbox.settle(lines.tail);
    await caughtUp;
    await run.saveProgress();
  } finally {
    clearInterval(progress);
  }
  opts.log("info", `end of innd's channel: ${handled} article line(s) handled this run`);
}

/**
 * What innd spooled to <pathoutgoing>/<site> (or <site>/togo, when that is a directory) while the
 * program was not running, each file moved aside first (innd opens it by name with O_APPEND, so
 * should it spool again it starts a new one); a file moved aside by a run that crashed comes first.
 */
function* takeSpool(
  outgoing: string,
  site: string,
  log: Log,
): Generator<{ path: string; data: Buffer }> {
  const work = join(outgoing, `${site}.newsnotify-replay`);
  // Each one read here is removed by the caller before the next rename can land on its name.
  const read = () => {
    try {
      return { path: work, data: readFileSync(work) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT")
        log("warn", `cannot read ${work}: ${errorMessage(e)}`);
      return null;
    }
  };
  const left = read();
  if (left) yield left;
  for (const from of [join(outgoing, site), join(outgoing, site, "togo")]) {
    try {
      if (!lstatSync(from).isFile()) continue;
      renameSync(from, work);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR")
        log("warn", `cannot take innd's spool file ${from}: ${errorMessage(e)}`);
      continue;
    }
    const taken = read();
    if (taken) yield taken;
  }
}
