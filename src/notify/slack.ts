/**
 * Slack incoming webhook: `text` (the notification line) plus Block Kit blocks. Everything from the
 * article has `&`, `<`, `>` escaped, so `<!channel>` never pings and `<url|label>` never links.
 */
import { z } from "zod";
import type { Article } from "../article/article.js";
import { defineNotifier, type OptionsOf, type ServiceUrl, urlTarget } from "./definition.js";
import { slackEscape } from "./format/escape.js";
import { articleFields } from "./format/fields.js";
import { DEFAULT_LINK } from "./format/link.js";
import { render } from "./format/template.js";
import { redactUrl } from "./http.js";
import { HttpNotifier } from "./http-notifier.js";
import type { Notifier } from "./notifier.js";
import { formatting, http, httpUrl, name, routing } from "./schema-parts.js";
import { fail, password, segments, user } from "./url-parts.js";

const schema = z
  .strictObject({
    type: z.literal("slack"),
    url: httpUrl("The incoming webhook URL (https://hooks.slack.com/services/...)."),
    username: name("Poster name (legacy webhooks only)."),
    ...formatting,
    ...http,
    ...routing,
  })
  .describe("Slack incoming webhook: text plus Block Kit.");

/**
 * `template` is mrkdwn for the section block (default SLACK_TEMPLATE); `username` is honoured by
 * legacy webhooks only (app webhooks post as the app).
 */
export type SlackOptions = OptionsOf<typeof schema>;

export const definition = defineNotifier({
  type: "slack",
  schema,
  create: (options) => slackNotifier(options),
  urls: { slack: slackUrl },
  paceKey: (o) => urlTarget(o.url),
  // About one message per second per webhook.
  defaultRate: 1,
});

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

/** Apprise slack://[botname@]TokenA/TokenB/TokenC, or shoutrrr slack://hook:A-B-C@webhook. */
function slackUrl(u: URL): ServiceUrl<z.input<typeof schema>> {
  const shoutrrr = u.hostname === "webhook" && user(u) === "hook";
  const tokens = shoutrrr ? password(u).split("-") : [u.hostname, ...segments(u)];
  if (tokens.length !== 3 || !tokens.every((t) => /^[A-Za-z0-9]+$/.test(t)) || u.hash) {
    return fail("expected slack://TokenA/TokenB/TokenC (the three parts of the webhook URL)");
  }
  const [a, b, c] = tokens as [string, string, string];
  const entry: z.input<typeof schema> = {
    type: "slack",
    url: `https://hooks.slack.com/services/${a}/${b}/${c}`,
  };
  if (!shoutrrr && u.username) entry.username = user(u);
  return { ok: true, entry };
}
