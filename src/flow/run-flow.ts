import { compileGate } from "../notify/route.js";
import type { ParseThread } from "../storage/parse-thread.js";
import { ArticleFlow, type FlowOptions } from "./pipeline.js";
import type { Setup } from "./setup.js";

/**
 * What a run adds to the setup's options: its parse thread, log, stats, where articles go, and
 * the storage context it shares with its catch-up (storageContext(setup)).
 */
export type RunFlowParts = Pick<FlowOptions, "log" | "stats" | "deliver"> &
  Partial<Pick<FlowOptions, "onLost" | "onShortfall" | "ownInnd">> &
  Required<Pick<FlowOptions, "storage">> & { parseThread: ParseThread };

/**
 * The ArticleFlow of a run (the watcher's and the feed's), its options read from the setup in one
 * place: spool, storage methods, read limits, snippet size, and every notifier's route asked before
 * an article's body is read.
 */
export function runFlow(setup: Setup, parts: RunFlowParts): ArticleFlow {
  const { config } = setup;
  return new ArticleFlow({
    spool: setup.spool,
    activeFile: config.activeFile,
    read: { maxBytes: config.maxArticleBytes, timeoutMs: config.completeTimeoutMs },
    snippetChars: config.snippetChars,
    route: compileGate(config.notifiers),
    ...parts,
  });
}
