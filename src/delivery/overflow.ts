/**
 * maxBacklog, the pure core: given what one target has pending and its cap, which entries are
 * dropped and what the one summary of this overflow episode says. Both queues (local-queue.ts,
 * postgres-overflow.ts) apply the plan durably: the dropped entries are marked dropped like a
 * refused article, and the summary is itself a pending entry of that target (a notice article), so
 * a restart brings back neither the dropped nor a lost summary.
 *
 * An episode lasts until its summary is claimed for sending: until then each further overflow
 * replaces the pending summary with one counting both, so the notifier gets one message per
 * episode, not one per dropped article.
 */
import { createHash } from "node:crypto";
import type { Article } from "../article/article.js";

/** One pending entry: its Message-ID and when it was enqueued (ms since the epoch). */
export interface Pending {
  id: string;
  since: number;
}

export interface OverflowInput {
  cap: number;
  /** Pending articles of the target (summaries not counted), claimed or not. */
  count: number;
  /** The oldest of them, oldest first: at least `count - cap`. */
  oldest: readonly Pending[];
  /** Message-IDs of the target's pending summaries nobody has claimed (the episode's, if any). */
  summaries: readonly string[];
}

export interface OverflowPlan {
  /** Articles to mark dropped, oldest first. */
  drop: string[];
  /** Earlier summaries of this episode, replaced by the new one (marked dropped too). */
  supersede: string[];
  /** The episode so far: how many were dropped, and since when the oldest of them waited. */
  dropped: number;
  since: number;
  /** Names the episode (from its first dropped Message-ID): two episodes never share a summary id. */
  episode: string;
}

/** Why an entry dropped by the cap is marked so (status shows it as any drop's reason). */
export const OVERFLOW_WHY = "maxBacklog: over the cap, oldest dropped";
export const SUPERSEDED_WHY = "maxBacklog: summary replaced by a newer one";

const DOMAIN = "maxbacklog.newsnotify.invalid";
const SUMMARY_ID =
  /^<dropped\.(\d+)\.(\d+)\.([0-9a-f]{8})\.[A-Za-z0-9-]*@maxbacklog\.newsnotify\.invalid>$/;

/** The plan for a target over its cap, or null when it is within it. */
export function planOverflow(input: OverflowInput): OverflowPlan | null {
  const excess = input.count - input.cap;
  if (excess <= 0) return null;
  const drop = input.oldest.slice(0, excess);
  if (drop.length === 0) return null;
  let dropped = drop.length;
  let since = drop.reduce((min, p) => Math.min(min, p.since), Number.POSITIVE_INFINITY);
  let episode = createHash("sha256")
    .update(drop[0]?.id ?? "")
    .digest("hex")
    .slice(0, 8);
  const supersede: string[] = [];
  for (const id of input.summaries) {
    const earlier = parseSummaryId(id);
    if (!earlier) continue;
    supersede.push(id);
    dropped += earlier.dropped;
    since = Math.min(since, earlier.since);
    episode = earlier.episode;
  }
  return { drop: drop.map((p) => p.id), supersede, dropped, since, episode };
}

/**
 * The summary's Message-ID: it carries the episode's count, start and name, so a queue that finds
 * a pending one (after a restart too) can count on from it; the target's name keeps two targets'
 * summaries apart where articles are shared by Message-ID (PostgreSQL).
 */
export function summaryId(
  target: string,
  plan: Pick<OverflowPlan, "dropped" | "since" | "episode">,
): string {
  const name = target.replace(/[^A-Za-z0-9]/g, "-");
  return `<dropped.${plan.dropped}.${plan.since}.${plan.episode}.${name}@${DOMAIN}>`;
}

export function parseSummaryId(
  id: string,
): { dropped: number; since: number; episode: string } | null {
  const m = SUMMARY_ID.exec(id);
  return m ? { dropped: Number(m[1]), since: Number(m[2]), episode: m[3] as string } : null;
}

export function isSummaryId(id: string): boolean {
  return SUMMARY_ID.test(id);
}

/**
 * The notice a notifier gets once per overflow episode. Only counts and times: no article's
 * content. It is sent like an article, so each notifier formats and escapes it as it does any.
 */
export function summaryArticle(
  target: string,
  plan: Pick<OverflowPlan, "dropped" | "since" | "episode">,
  cap: number,
): Article {
  const from = new Date(plan.since).toISOString();
  const subject = `newsnotify: ${plan.dropped} notification(s) dropped since ${from} (maxBacklog ${cap})`;
  return {
    messageId: summaryId(target, plan),
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
    notice: true,
  };
}
