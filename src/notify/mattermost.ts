/**
 * Mattermost incoming webhook (Slack-compatible `text`, rendered as Markdown). Mattermost also turns
 * Slack's `<!channel>` and `<url|label>` into mentions and links before rendering, so article text gets
 * entities for `& < >`, backslashes for Markdown, and a zero-width space after every `@`.
 */
import type { Article } from "../article/article.js";
import { breakMentions, markdownEscape, slackEscape } from "./format/escape.js";
import { articleFields } from "./format/fields.js";
import { DEFAULT_LINK } from "./format/link.js";
import { type Field, render } from "./format/template.js";
import { redactUrl } from "./http.js";
import { HttpNotifier } from "./http-notifier.js";
import type { Notifier } from "./notifier.js";

export interface MattermostOptions {
  url: string;
  /** Markdown; default MATTERMOST_TEMPLATE. */
  template?: string;
  link?: string;
  username?: string;
  channel?: string;
  iconUrl?: string;
  timeoutMs?: number;
}

/** Mattermost's post limit (16383 runes); counted in UTF-16 units, which is never fewer. */
export const MATTERMOST_LIMIT = 16_383;

export const MATTERMOST_TEMPLATE =
  "**{subject}**\n{from} in {newsgroups} · {date}\n\n{snippet}\n\n[Open article]({link})";

export function mattermostEscape(value: string, field: Field): string {
  // The link is percent-encoded already; escaping it would break the URL.
  if (field === "link") return value;
  return breakMentions(markdownEscape(slackEscape(value)));
}

export function mattermostPayload(
  a: Article,
  o: Omit<MattermostOptions, "url">,
): Record<string, unknown> {
  const f = articleFields(a, o.link ?? DEFAULT_LINK);
  return {
    text: render(o.template ?? MATTERMOST_TEMPLATE, f, {
      escape: mattermostEscape,
      limit: MATTERMOST_LIMIT,
    }),
    ...(o.username ? { username: o.username } : {}),
    ...(o.channel ? { channel: o.channel } : {}),
    ...(o.iconUrl ? { icon_url: o.iconUrl } : {}),
  };
}

export function mattermostNotifier(o: MattermostOptions): Notifier {
  return new HttpNotifier(
    `mattermost ${redactUrl(o.url)}`,
    (a) => ({ method: "POST", url: o.url, json: mattermostPayload(a, o) }),
    o.timeoutMs,
  );
}
