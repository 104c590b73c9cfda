/**
 * Discord webhook execute: one embed. `allowed_mentions: {parse: []}` stops every ping; article text is
 * Markdown-escaped as well (no masked links `[x](http://evil)`, no `<@id>` pills) and `@everyone` /
 * `@here` get a zero-width space, so they do not even look like mentions.
 */
import { z } from "zod";
import type { Article } from "../article/article.js";
import { defineNotifier, type OptionsOf, type ServiceUrl, urlTarget } from "./definition.js";
import { breakMentions, markdownEscape } from "./format/escape.js";
import { articleFields } from "./format/fields.js";
import { DEFAULT_LINK, isWebLink } from "./format/link.js";
import { type Field, render } from "./format/template.js";
import { redactUrl } from "./http.js";
import { HttpNotifier } from "./http-notifier.js";
import type { Notifier } from "./notifier.js";
import { formatting, http, httpUrl, name, routing } from "./schema-parts.js";
import { fail, segments, user } from "./url-parts.js";

const schema = z
  .strictObject({
    type: z.literal("discord"),
    url: httpUrl("The webhook URL (https://discord.com/api/webhooks/ID/TOKEN)."),
    username: name("Poster name instead of the webhook's."),
    avatarUrl: httpUrl("Poster avatar instead of the webhook's.").optional(),
    ...formatting,
    ...http,
    ...routing,
  })
  .describe("Discord webhook: one embed per article, no mentions.");

/** `template` is Markdown for the embed description; default DISCORD_TEMPLATE. */
export type DiscordOptions = OptionsOf<typeof schema>;

export const definition = defineNotifier({
  type: "discord",
  schema,
  create: (options) => discordNotifier(options),
  urls: { discord: discordUrl },
  paceKey: (o) => urlTarget(o.url),
  // 30 messages a minute per channel.
  defaultRate: 0.5,
});

/** Discord's documented embed limits; `total` covers title, description, footer, author and fields. */
export const DISCORD_LIMITS = {
  content: 2000,
  embeds: 10,
  title: 256,
  description: 4096,
  footer: 2048,
  total: 6000,
} as const;

export const DISCORD_TEMPLATE = "**From:** {from}\n**Newsgroups:** {newsgroups}\n\n{snippet}";

const MASS_MENTIONS = ["everyone", "here"] as const;

export function discordEscape(value: string, field: Field): string {
  if (field === "link") return value;
  return breakMentions(markdownEscape(value), MASS_MENTIONS);
}

/** The footer is plain text (Markdown is not rendered there), so only mentions are broken. */
const plain = (value: string) => breakMentions(value, MASS_MENTIONS);

export function discordPayload(
  a: Article,
  o: Omit<DiscordOptions, "url">,
): Record<string, unknown> {
  const f = articleFields(a, o.link ?? DEFAULT_LINK);
  const title = render("{subject}", f, { escape: discordEscape, limit: DISCORD_LIMITS.title });
  const footer = render("{messageId}", f, { escape: plain, limit: 200 });
  const room = DISCORD_LIMITS.total - title.length - footer.length;
  const description = render(o.template ?? DISCORD_TEMPLATE, f, {
    escape: discordEscape,
    limit: Math.min(DISCORD_LIMITS.description, room),
  });
  return {
    allowed_mentions: { parse: [] },
    embeds: [
      {
        title,
        // Discord rejects an embed whose url is not http(s).
        ...(isWebLink(f.link) ? { url: f.link } : {}),
        description,
        footer: { text: footer },
        ...(a.date ? { timestamp: a.date } : {}),
      },
    ],
    ...(o.username ? { username: o.username } : {}),
    ...(o.avatarUrl ? { avatar_url: o.avatarUrl } : {}),
  };
}

export function discordNotifier(o: DiscordOptions): Notifier {
  return new HttpNotifier(
    `discord ${redactUrl(o.url)}`,
    (a) => ({ method: "POST", url: o.url, json: discordPayload(a, o) }),
    o.timeoutMs,
  );
}

/** Apprise discord://[botname@]WebhookID/WebhookToken, or shoutrrr discord://token@id. */
function discordUrl(u: URL): ServiceUrl<z.input<typeof schema>> {
  const path = segments(u);
  const shoutrrr = path.length === 0 && u.username !== "";
  const id = u.hostname;
  const token = shoutrrr ? user(u) : path[0];
  if (!/^\d+$/.test(id) || !token || !/^[\w-]+$/.test(token) || path.length > 1) {
    return fail("expected discord://WebhookID/WebhookToken (from .../api/webhooks/ID/TOKEN)");
  }
  const entry: z.input<typeof schema> = {
    type: "discord",
    url: `https://discord.com/api/webhooks/${id}/${token}`,
  };
  if (!shoutrrr && u.username) entry.username = user(u);
  return { ok: true, entry };
}
