import type { Article } from "../article/article.js";
import type { NotifierDefinition, NotifierIo } from "./definition.js";
import { DigestNotifier } from "./digest.js";
import { DEFAULT_LINK } from "./format/link.js";
import type { Notifier } from "./notifier.js";
import { Pacer } from "./pace.js";
import { type NotifierConfig, notifierDefinition } from "./registry.js";
import { compileRoute, type Route } from "./route.js";

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
    (entry, i) =>
      new Routed(
        buildNotifier(entry, io),
        compileRoute(entry),
        pacerFor(paces[i]),
        entry.maxBacklog,
      ),
  );
}

function buildNotifier(entry: NotifierConfig, io: NotifierIo): Notifier {
  const notifier = definitionOf(entry).create(entry, io);
  const { digest } = entry as { digest?: { every: number; max: number } };
  if (!digest) return notifier;
  const link = ("link" in entry ? entry.link : undefined) ?? DEFAULT_LINK;
  return new DigestNotifier(notifier, { everyMs: digest.every, max: digest.max }, link);
}

/** A validated entry always has a registered type. */
function definitionOf(entry: NotifierConfig): NotifierDefinition {
  const definition = notifierDefinition(entry.type);
  if (!definition) throw new TypeError(`unknown notifier type ${String(entry.type)}`);
  return definition;
}

export interface Pace {
  /** The target (its definition's paceKey: the URL without query, plus the room for Matrix). */
  key: string;
  perSecond: number;
}

/** The rate limit for an entry, keyed by its target so that two entries on one URL share it. */
export function paceOf(entry: NotifierConfig): Pace | undefined {
  const definition = definitionOf(entry);
  if (!definition.paceKey) return undefined;
  const perSecond =
    ("rateLimitPerSecond" in entry ? entry.rateLimitPerSecond : undefined) ??
    definition.defaultRate;
  if (!perSecond) return undefined;
  return { key: definition.paceKey(entry), perSecond };
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
  readonly digestEveryMs: number | undefined;

  constructor(
    readonly inner: Notifier,
    readonly route: Route,
    readonly pacer: Pacer | undefined,
    readonly maxBacklog?: number,
  ) {
    this.label = inner.label;
    this.digestEveryMs = inner.digestEveryMs;
    this.concurrency = pacer ? 1 : (inner.concurrency ?? 1);
    this.maxBatch = inner.sendBatch ? (inner.maxBatch ?? 1) : 1;
  }

  preview(article: Article): unknown {
    return this.inner.preview(article);
  }

  async send(article: Article, signal?: AbortSignal): Promise<void> {
    if (!this.#wants(article)) return;
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
    const wanted = articles.filter((a) => this.#wants(a));
    if (wanted.length === 0) return;
    if (this.pacer && !(await this.pacer.wait(signal ?? NEVER))) {
      throw signal?.reason ?? new Error("aborted");
    }
    await batch(wanted, signal);
  }

  /** Its route's articles, and newsnotify's notices to it (a maxBacklog summary is routed to it). */
  #wants(article: Article): boolean {
    return article.notice !== undefined || this.route(article).send;
  }
}

const NEVER = new AbortController().signal;
