/**
 * Discord webhook execute: one embed. `allowed_mentions: {parse: []}` stops every ping; article text is
 * Markdown-escaped as well (no masked links `[x](http://evil)`, no `<@id>` pills) and `@everyone` /
 * `@here` get a zero-width space, so they do not even look like mentions.
 */
import type { Article } from "../article/article.js";
import { breakMentions, markdownEscape } from "./format/escape.js";
import { articleFields } from "./format/fields.js";
import { DEFAULT_LINK, isWebLink } from "./format/link.js";
import { type Field, render } from "./format/template.js";
import { redactUrl } from "./http.js";
import { HttpNotifier } from "./http-notifier.js";
import type { Notifier } from "./notifier.js";

export interface DiscordOptions {
  url: string;
  /** Markdown for the embed description; default DISCORD_TEMPLATE. */
  template?: string;
  link?: string;
  username?: string;
  avatarUrl?: string;
  timeoutMs?: number;
}

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
