import type { Article } from "../article/article.js";
import type { NotifierConfig } from "../config.js";
import { discordNotifier } from "./discord.js";
import { ExecNotifier } from "./exec.js";
import { gchatNotifier } from "./gchat.js";
import { matrixNotifier } from "./matrix.js";
import { mattermostNotifier } from "./mattermost.js";
import type { Notifier } from "./notifier.js";
import { ntfyNotifier } from "./ntfy.js";
import { Pacer } from "./pace.js";
import { compileRoute, type Route } from "./route.js";
import { slackNotifier } from "./slack.js";
import { StdoutNotifier } from "./stdout.js";
import { WebhookNotifier } from "./webhook.js";

export interface NotifierIo {
  /** Where stdout notifiers write (a test seam); default process.stdout. */
  stdout?: NodeJS.WritableStream;
}

/**
 * Messages per second when the config sets none: Slack allows about one per second per webhook, Google
 * Chat one per second per space, Discord 30 a minute per channel.
 */
export const DEFAULT_RATE: Partial<Record<NotifierConfig["type"], number>> = {
  slack: 1,
  gchat: 1,
  discord: 0.5,
};

/** One Notifier per validated config entry, in config order, each with its route and rate limit. */
export function buildNotifiers(cfg: NotifierConfig[], io: NotifierIo = {}): Notifier[] {
  const pacers = new Map<string, Pacer>();
  const pacerFor = (pace: Pace | undefined) => {
    if (!pace) return undefined;
    // Entries on one target share a pacer; the strictest limit among them wins.
    const existing = pacers.get(pace.key);
    if (existing && existing.perSecond <= pace.perSecond) return existing;
    const pacer = new Pacer(pace.perSecond);
    pacers.set(pace.key, pacer);
    return pacer;
  };
  const paces = cfg.map(paceOf);
  for (const pace of paces) pacerFor(pace);
  return cfg.map(
    (entry, i) => new Routed(buildNotifier(entry, io), compileRoute(entry), pacerFor(paces[i])),
  );
}

function buildNotifier(entry: NotifierConfig, io: NotifierIo): Notifier {
  switch (entry.type) {
    case "stdout":
      return new StdoutNotifier({ ...entry, stream: io.stdout });
    case "webhook":
      return new WebhookNotifier(entry);
    case "exec":
      return new ExecNotifier(entry);
    case "slack":
      return slackNotifier(entry);
    case "mattermost":
      return mattermostNotifier(entry);
    case "discord":
      return discordNotifier(entry);
    case "ntfy":
      return ntfyNotifier(entry);
    case "matrix":
      return matrixNotifier(entry);
    case "gchat":
      return gchatNotifier(entry);
  }
}

export interface Pace {
  /** The target (URL without query, plus the room for Matrix). */
  key: string;
  perSecond: number;
}

/** The rate limit for an entry, keyed by its target so that two entries on one URL share it. */
export function paceOf(entry: NotifierConfig): Pace | undefined {
  if (!("url" in entry)) return undefined;
  const perSecond =
    ("rateLimitPerSecond" in entry ? entry.rateLimitPerSecond : undefined) ??
    DEFAULT_RATE[entry.type];
  if (!perSecond) return undefined;
  const u = new URL(entry.url);
  const room = entry.type === "matrix" ? ` ${entry.room}` : "";
  return { key: `${u.origin}${u.pathname}${room}`, perSecond };
}

/**
 * A notifier with the route and rate limit its config entry gave it. Both apply inside `send`, so they
 * hold whatever wraps this (the dispatcher's queue, the outbox journal, `test-hook --send`).
 */
export class Routed implements Notifier {
  readonly label: string;
  /** A rate-limited target takes one at a time; otherwise what the notifier itself allows. */
  readonly concurrency: number;
  readonly maxBatch: number;

  constructor(
    readonly inner: Notifier,
    readonly route: Route,
    readonly pacer: Pacer | undefined,
  ) {
    this.label = inner.label;
    this.concurrency = pacer ? 1 : (inner.concurrency ?? 1);
    this.maxBatch = inner.sendBatch ? (inner.maxBatch ?? 1) : 1;
  }

  preview(article: Article): unknown {
    return this.inner.preview(article);
  }

  async send(article: Article, signal?: AbortSignal): Promise<void> {
    if (!this.route(article).send) return;
    if (this.pacer && !(await this.pacer.wait(signal ?? NEVER))) {
      throw signal?.reason ?? new Error("aborted");
    }
    await this.inner.send(article, signal);
  }

  /** The articles its route wants, in one request (one pacer slot); none wanted is a no-op. */
  async sendBatch(articles: readonly Article[], signal?: AbortSignal): Promise<void> {
    const batch = this.inner.sendBatch?.bind(this.inner);
    // Not a batching notifier (the dispatcher does not ask then): one paced request each.
    if (!batch) {
      for (const article of articles) await this.send(article, signal);
      return;
    }
    const wanted = articles.filter((a) => this.route(a).send);
    if (wanted.length === 0) return;
    if (this.pacer && !(await this.pacer.wait(signal ?? NEVER))) {
      throw signal?.reason ?? new Error("aborted");
    }
    await batch(wanted, signal);
  }
}

const NEVER = new AbortController().signal;
