/**
 * Slack incoming webhook: `text` (the notification line) plus Block Kit blocks. Everything from the
 * article has `&`, `<`, `>` escaped, so `<!channel>` never pings and `<url|label>` never links.
 */
import type { Article } from "../article/article.js";
import { slackEscape } from "./format/escape.js";
import { articleFields } from "./format/fields.js";
import { DEFAULT_LINK } from "./format/link.js";
import { render } from "./format/template.js";
import { redactUrl } from "./http.js";
import { HttpNotifier } from "./http-notifier.js";
import type { Notifier } from "./notifier.js";

export interface SlackOptions {
  url: string;
  /** mrkdwn for the section block; default SLACK_TEMPLATE. */
  template?: string;
  link?: string;
  /** Honoured by legacy webhooks only; app webhooks post as the app. */
  username?: string;
  timeoutMs?: number;
}

/** From Slack's Block Kit reference and chat.postMessage: text is truncated past 40,000 characters. */
export const SLACK_LIMITS = { text: 40_000, header: 150, section: 3000, context: 3000 } as const;

export const SLACK_TEMPLATE =
  "*From:* {from}\n*Newsgroups:* {newsgroups}\n*Date:* {date}\n\n{snippet}";

export function slackPayload(a: Article, o: Omit<SlackOptions, "url">): Record<string, unknown> {
  const f = articleFields(a, o.link ?? DEFAULT_LINK);
  const fitted = (template: string, limit: number) =>
    render(template, f, { escape: slackEscape, limit });
  // verbatim: no auto-linking of bare URLs, #channels or @names in the article's text either.
  const mrkdwn = (text: string) => ({ type: "mrkdwn", text, verbatim: true });
  return {
    text: fitted("{subject} — {from} in {newsgroups}", SLACK_LIMITS.text),
    blocks: [
      {
        type: "header",
        text: { type: "plain_text", text: fitted("{subject}", SLACK_LIMITS.header) },
      },
      {
        type: "section",
        text: mrkdwn(fitted(o.template ?? SLACK_TEMPLATE, SLACK_LIMITS.section)),
      },
      {
        type: "context",
        elements: [mrkdwn(fitted("<{link}|Open article> · {messageId}", SLACK_LIMITS.context))],
      },
    ],
    // Slack would otherwise fetch and preview links from the article's text.
    unfurl_links: false,
    unfurl_media: false,
    ...(o.username ? { username: o.username } : {}),
  };
}

export function slackNotifier(o: SlackOptions): Notifier {
  return new HttpNotifier(
    `slack ${redactUrl(o.url)}`,
    (a) => ({ method: "POST", url: o.url, json: slackPayload(a, o) }),
    o.timeoutMs,
  );
}
