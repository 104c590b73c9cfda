import type { Article } from "../article/article.js";
import { admit } from "../delivery/admit.js";
import { Dispatcher } from "../delivery/dispatcher.js";
import { openQueue } from "../delivery/open-queue.js";
import { RecordedNotifier } from "../delivery/recorded.js";
import { targetKeys } from "../delivery/targets.js";
import type { DeliveryQueue } from "../delivery/work.js";
import { buildNotifiers } from "../notify/build.js";
import type { Outbox } from "../state/outbox.js";
import { rekeyPending, targetKey } from "../state/target-key.js";
import type { Stats } from "../stats/stats.js";
import type { Log } from "../util/log.js";
import type { RunState } from "./run-state.js";
import type { Setup } from "./setup.js";

export interface Delivery {
  dispatcher: Dispatcher;
  queue: DeliveryQueue;
  targets: string[];
  labels: string[];
  /** Enqueues an article for its notifiers: from here on nothing loses it. */
  admit(article: Article): Promise<void>;
}

export interface DeliveryOptions {
  log: Log;
  stdout?: NodeJS.WritableStream;
  stats?: Stats;
}

/**
 * The notifiers, each under its target key, and their workers pulling from the local journal
 * (which still holds what an earlier run left undelivered: it goes out first).
 */
export async function openDelivery(
  setup: Setup,
  state: Pick<RunState, "dir" | "outbox">,
  opts: DeliveryOptions,
): Promise<Delivery> {
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
  const queue = await openQueue(config, outbox, { log: opts.log, stats: opts.stats, notifiers });
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

/** Pending notifications get 5 s; the rest stays in the outbox for the next start. */
export async function closeDelivery(delivery: Delivery, log: Log): Promise<void> {
  const left = await delivery.dispatcher.drain(5000);
  await delivery.dispatcher.close();
  await delivery.queue.close();
  if (left > 0)
    log("warn", `${left} notification(s) not yet delivered; kept in the outbox for the next start`);
}
