/**
 * Mattermost incoming webhook (Slack-compatible `text`, rendered as Markdown). Mattermost also turns
 * Slack's `<!channel>` and `<url|label>` into mentions and links before rendering, so article text gets
 * entities for `& < >`, backslashes for Markdown, and a zero-width space after every `@`.
 */
import { z } from "zod";
import type { Article } from "../article/article.js";
import { defineNotifier, type OptionsOf, type ServiceUrl, urlTarget } from "./definition.js";
import { breakMentions, markdownEscape, slackEscape } from "./format/escape.js";
import { articleFields } from "./format/fields.js";
import { DEFAULT_LINK } from "./format/link.js";
import { type Field, render } from "./format/template.js";
import { redactUrl } from "./http.js";
import { HttpNotifier } from "./http-notifier.js";
import type { Notifier } from "./notifier.js";
import { formatting, http, httpUrl, name, routing } from "./schema-parts.js";
import { fail, hostPort, segments, user } from "./url-parts.js";

const schema = z
  .strictObject({
    type: z.literal("mattermost"),
    url: httpUrl("The incoming webhook URL (https://host/hooks/...)."),
    username: name("Poster name, if the server allows overriding it."),
    channel: name("Channel name, if not the webhook's own."),
    iconUrl: httpUrl("Poster icon.").optional(),
    ...formatting,
    ...http,
    ...routing,
  })
  .describe("Mattermost incoming webhook (Markdown text).");

/** `template` is Markdown; default MATTERMOST_TEMPLATE. */
export type MattermostOptions = OptionsOf<typeof schema>;

export const definition = defineNotifier({
  type: "mattermost",
  schema,
  create: (options) => mattermostNotifier(options),
  urls: {
    mmost: mattermostUrl,
    mmosts: mattermostUrl,
    mattermost: (u) => mattermostUrl(u, true),
  },
  paceKey: (o) => urlTarget(o.url),
});

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

/**
 * Apprise mmost[s]://[botname@]host[:port][/path]/token[?channel=name] → http(s)://host/path/hooks/token;
 * shoutrrr mattermost://[user@]host[:port]/token[/channel] → https.
 */
function mattermostUrl(u: URL, secure: boolean): ServiceUrl<z.input<typeof schema>> {
  const path = segments(u);
  const shoutrrr = u.protocol === "mattermost:";
  const channel = shoutrrr && path.length === 2 ? path.pop() : u.searchParams.get("channel");
  const token = path.pop();
  if (!u.hostname || !token || (shoutrrr && path.length > 0)) {
    return fail(`expected ${u.protocol}//host/token (from https://host/hooks/token)`);
  }
  const prefix = path.map(encodeURIComponent).join("/");
  const entry: z.input<typeof schema> = {
    type: "mattermost",
    url: `${secure ? "https" : "http"}://${hostPort(u)}/${prefix ? `${prefix}/` : ""}hooks/${token}`,
  };
  if (u.username) entry.username = user(u);
  if (channel) entry.channel = channel;
  return { ok: true, entry };
}
