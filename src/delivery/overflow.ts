/**
 * maxBacklog, the pure core: given what one target has pending and its cap, which entries are
 * dropped and what the one summary of this overflow episode says. Both queues (local-queue.ts,
 * postgres-overflow.ts) apply the plan durably: the dropped entries are marked dropped like a
 * refused article, and the summary is itself a pending entry of that target (a notice article), so
 * a restart brings back neither the dropped nor a lost summary.
 *
 * An episode lasts until its summary has been sent: until then each further overflow rewrites the
 * pending summary in place (same Message-ID, same place in the queue) to count both, so the
 * notifier gets one message per episode, not one per dropped article.
 */
import { createHash } from "node:crypto";
import type { Article } from "../article/article.js";

/** One pending entry: its Message-ID and when it was enqueued (ms since the epoch). */
export interface Pending {
  id: string;
  since: number;
}

/** What a summary article carries of its episode (Article.notice). */
export interface Dropped {
  dropped: number;
  since: number;
}

export interface OverflowInput {
  cap: number;
  /** Pending articles of the target (summaries not counted), claimed or not. */
  count: number;
  /** The oldest of them, oldest first: at least `count - cap`. */
  oldest: readonly Pending[];
  /** The target's pending summary (claimed or not): this episode's, if one is under way. */
  summary: { id: string; notice: Dropped } | null;
}

export interface OverflowPlan extends Dropped {
  /** Articles to mark dropped, oldest first. */
  drop: string[];
  /** The summary's Message-ID, one per episode (per target). */
  summaryId: string;
  /** True when that summary is pending already: it is rewritten in place, not enqueued. */
  rewrite: boolean;
}

/** Why an entry dropped by the cap is marked so (status shows it as any drop's reason). */
export const OVERFLOW_WHY = "maxBacklog: over the cap, oldest dropped";

const SUMMARY_ID = /^<dropped\.[0-9a-f]{12}\.[A-Za-z0-9-]*@maxbacklog\.newsnotify\.invalid>$/;

/** The plan for `target` over its cap, or null when it is within it. */
export function planOverflow(target: string, input: OverflowInput): OverflowPlan | null {
  const excess = input.count - input.cap;
  if (excess <= 0) return null;
  const drop = input.oldest.slice(0, excess);
  const [first] = drop;
  if (!first) return null;
  const since = drop.reduce((min, p) => Math.min(min, p.since), first.since);
  const earlier = input.summary;
  return {
    drop: drop.map((p) => p.id),
    dropped: drop.length + (earlier?.notice.dropped ?? 0),
    since: Math.min(since, earlier?.notice.since ?? since),
    // Named after the episode's first dropped article: never the same as an earlier episode's.
    summaryId: earlier?.id ?? summaryId(target, first.id),
    rewrite: earlier !== null,
  };
}

/** A summary's Message-ID: per target (articles are shared by Message-ID in PostgreSQL). */
export function summaryId(target: string, firstDropped: string): string {
  const episode = createHash("sha256").update(firstDropped).digest("hex").slice(0, 12);
  return `<dropped.${episode}.${target.replace(/[^A-Za-z0-9]/g, "-")}@maxbacklog.newsnotify.invalid>`;
}

export function isSummaryId(id: string): boolean {
  return SUMMARY_ID.test(id);
}

/**
 * The notice a notifier gets once per overflow episode. Only counts and times: no article's
 * content. It is sent like an article, so each notifier formats and escapes it as it does any.
 */
export function summaryArticle(plan: OverflowPlan, cap: number): Article {
  const from = new Date(plan.since).toISOString();
  const subject = `newsnotify: ${plan.dropped} notification(s) dropped since ${from} (maxBacklog ${cap})`;
  return {
    messageId: plan.summaryId,
    newsgroups: [],
    from: { name: "newsnotify", address: "" },
    subject,
    date: new Date().toISOString(),
    path: null,
    snippet:
      `This notifier's backlog went over its maxBacklog of ${cap}: the oldest ` +
      `${plan.dropped} notification(s), waiting since ${from}, were dropped and the ${cap} ` +
      "newest kept. The notifier was down or slower than the feed.\n",
    group: "",
    number: 0,
    xref: [],
    references: [],
    control: null,
    organization: null,
    userAgent: "newsnotify",
    bytes: 0,
    truncated: false,
    token: null,
    truncatedFields: [],
    notice: { dropped: plan.dropped, since: plan.since },
  };
}
