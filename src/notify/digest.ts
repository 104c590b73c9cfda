/**
 * Digests: `digest: {every: 10m, max: 50}` on any notifier. Its queue then waits a period before it
 * sends (delivery/batch.ts's Gatherer reads `digestEveryMs`) and sends what gathered as one message:
 * a batching notifier (webhook) its batch body, any other one message made from a summary article
 * (subject "N new articles in ...", one line per article in the text, the first article's link).
 * The articles stay pending in the outbox until that message is accepted, so a restart loses none;
 * a quiet period sends nothing (a queue with nothing in it does not wait at all).
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import type { Article } from "../article/article.js";
import { renderLink } from "./format/link.js";
import { clean } from "./format/text.js";
import type { Notifier } from "./notifier.js";

export interface DigestOptions {
  /** Milliseconds. */
  everyMs: number;
  /** At most this many articles in one message; a full digest goes at once. */
  max: number;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s", "10m", "1h", "1d" (or a number of seconds) → milliseconds; undefined when unreadable. */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === "number") return Number.isFinite(text) && text > 0 ? text * 1000 : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$/i.exec(text);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * (UNITS[(m[2] as string).toLowerCase()] as number));
}

/** The `digest:` key every notifier type has. */
export const digestSchema = z
  .strictObject({
    every: z
      .union([z.string(), z.number()])
      .transform((v, ctx) => {
        const ms = parseDuration(v);
        if (ms === undefined || ms < 1000 || ms > 7 * 86_400_000) {
          ctx.addIssue({
            code: "custom",
            message: 'expected a period from 1s to 7d, such as "10m", "1h" or "90s"',
            input: v,
          });
          return z.NEVER;
        }
        return ms;
      })
      .describe('How often: "10m", "1h", "90s".'),
    max: z
      .int()
      .min(1)
      .max(1000)
      .default(50)
      .describe("At most this many articles per message (a full digest goes at once)."),
  })
  .describe("Send the articles of each period as one message instead of one each.");

/** The summary article a non-batching notifier formats as it would any article. */
export function digestArticle(articles: readonly Article[], link: string): Article {
  const [first] = articles;
  if (!first) throw new TypeError("a digest of no article");
  const groups = [
    ...new Set(articles.flatMap((a) => (a.newsgroups.length ? a.newsgroups : [a.group]))),
  ];
  const shown =
    groups.slice(0, 3).join(", ") + (groups.length > 3 ? ` and ${groups.length - 3} more` : "");
  const one = (text: string) => clean(text, false);
  const lines = articles.map((a) => {
    const from = one(a.from.name || a.from.address);
    return `${one(a.subject) || "(no subject)"} — ${from} (${one(a.group)}) ${renderLink(link, a)}`;
  });
  const dates = articles
    .map((a) => a.date)
    .filter((d): d is string => d !== null)
    .sort();
  return {
    // The first article's: its link opens it (a digest has no Message-ID of its own).
    messageId: first.messageId,
    newsgroups: groups,
    from: { name: "newsnotify", address: "" },
    subject: `${articles.length} new article${articles.length === 1 ? "" : "s"} in ${shown}`,
    date: dates.at(-1) ?? null,
    path: first.path,
    token: first.token,
    snippet: lines.join("\n"),
    group: first.group,
    number: first.number,
    xref: [],
    references: [],
    control: null,
    organization: null,
    userAgent: null,
    bytes: articles.reduce((sum, a) => sum + a.bytes, 0),
    truncated: false,
    truncatedFields: [],
  };
}

/** A digest's identity, for logs: which articles it carries. */
export function digestId(articles: readonly Article[]): string {
  return createHash("sha256")
    .update(articles.map((a) => a.messageId).join("\n"))
    .digest("hex")
    .slice(0, 12);
}

/** A notifier whose queue gathers for `everyMs` and sends what gathered as one message. */
export class DigestNotifier implements Notifier {
  readonly label: string;
  readonly concurrency = 1;
  readonly maxBatch: number;
  readonly digestEveryMs: number;

  constructor(
    readonly inner: Notifier,
    readonly options: DigestOptions,
    /** The notifier's link pattern, for the lines of the summary. */
    readonly link: string,
  ) {
    this.label = inner.label;
    this.maxBatch = options.max;
    this.digestEveryMs = options.everyMs;
  }

  preview(article: Article): unknown {
    return this.inner.preview(digestArticle([article], this.link));
  }

  send(article: Article, signal?: AbortSignal): Promise<void> {
    return this.sendBatch([article], signal);
  }

  async sendBatch(articles: readonly Article[], signal?: AbortSignal): Promise<void> {
    if (articles.length === 0) return;
    // A notifier with a body for several articles (the webhook's {"articles": [...]}) sends that:
    // the JSON contract, unchanged, whatever its own `batch` says.
    if (this.inner.sendBatch) {
      await this.inner.sendBatch(articles, signal);
      return;
    }
    await this.inner.send(digestArticle(articles, this.link), signal);
  }
}
