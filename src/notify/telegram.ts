/**
 * Telegram Bot API `sendMessage` with `parse_mode: HTML`. Every value from the article is HTML-escaped
 * (`<`, `>`, `&`, quotes: the Bot API's own rule), `@name` gets a zero-width space so it mentions nobody,
 * and link previews are off, so a URL in the article fetches nothing. 429 answers carry
 * `parameters.retry_after`, which the dispatcher waits for.
 */
import { z } from "zod";
import type { Article } from "../article/article.js";
import { defineNotifier, type OptionsOf, type ServiceUrl } from "./definition.js";
import { breakMentions, htmlEscape } from "./format/escape.js";
import { articleFields } from "./format/fields.js";
import { DEFAULT_LINK, isWebLink } from "./format/link.js";
import { render } from "./format/template.js";
import { redactUrl } from "./http.js";
import { HttpNotifier } from "./http-notifier.js";
import type { Notifier } from "./notifier.js";
import { formatting, http, httpUrl, routing } from "./schema-parts.js";
import { fail, password, segments, user } from "./url-parts.js";

const schema = z
  .strictObject({
    type: z.literal("telegram"),
    token: z
      .string()
      .regex(
        /^\d+:[A-Za-z0-9_-]+$/,
        "expected a bot token such as 123456789:AA... (from @BotFather)",
      )
      .describe("The bot's token. Never logged."),
    chatId: z
      .union([z.int(), z.string().regex(/^(-?\d+|@[A-Za-z][A-Za-z0-9_]{3,31})$/)])
      .transform(String)
      .describe("A chat's numeric ID (-100... for channels and supergroups) or @channelusername."),
    messageThreadId: z.int().min(1).optional().describe("A forum topic."),
    silent: z.boolean().optional().describe("Deliver without a notification sound."),
    apiUrl: httpUrl("The Bot API server; default https://api.telegram.org.").optional(),
    ...formatting,
    ...http,
    ...routing,
  })
  .describe("Telegram: Bot API sendMessage, HTML, link previews off.");

export type TelegramOptions = OptionsOf<typeof schema>;

export const definition = defineNotifier({
  type: "telegram",
  schema,
  create: (options) => telegramNotifier(options),
  urls: { tgram: tgramUrl },
  paceKey: (o) => `${o.apiUrl ?? "https://api.telegram.org"} ${o.token.split(":")[0]} ${o.chatId}`,
  // The Bot FAQ: at most 20 messages a minute in one group (1 a second in a private chat).
  defaultRate: 1 / 3,
  presentation: ["silent"],
});

/** Bot API sendMessage: text is 1-4096 characters after entities parsing (counted here before: safe). */
export const TELEGRAM_LIMITS = { text: 4096 } as const;

export const TELEGRAM_TEMPLATE =
  '<b>{subject}</b>\n{from} in {newsgroups}\n\n{snippet}\n\n<a href="{link}">Open article</a>';
/** Telegram links only http(s) and tg:; any other link (news:) is shown as text. */
export const TELEGRAM_TEMPLATE_TEXT_LINK =
  "<b>{subject}</b>\n{from} in {newsgroups}\n\n{snippet}\n\n<code>{link}</code>";

/** HTML-escaped; Telegram's HTML has no <br>, a line break stays a line break. */
export function telegramEscape(value: string): string {
  return breakMentions(htmlEscape(value));
}

export function telegramPayload(
  a: Article,
  o: Omit<TelegramOptions, "token" | "type">,
): Record<string, unknown> {
  const f = articleFields(a, o.link ?? DEFAULT_LINK);
  const template =
    o.template ?? (isWebLink(f.link) ? TELEGRAM_TEMPLATE : TELEGRAM_TEMPLATE_TEXT_LINK);
  return {
    chat_id: o.chatId,
    ...(o.messageThreadId !== undefined ? { message_thread_id: o.messageThreadId } : {}),
    text: render(template, f, {
      escape: (v, field) => (field === "link" ? htmlEscape(v) : telegramEscape(v)),
      limit: TELEGRAM_LIMITS.text,
    }),
    parse_mode: "HTML",
    // Bot API 7.0 (2023-12) replaced disable_web_page_preview with this.
    link_preview_options: { is_disabled: true },
    ...(o.silent ? { disable_notification: true } : {}),
  };
}

export function telegramEndpoint(o: Pick<TelegramOptions, "apiUrl" | "token">): string {
  const base = (o.apiUrl ?? "https://api.telegram.org").replace(/\/+$/, "");
  return `${base}/bot${o.token}/sendMessage`;
}

export function telegramNotifier(o: TelegramOptions): Notifier {
  const url = telegramEndpoint(o);
  return new HttpNotifier(
    `telegram ${redactUrl(url)}`,
    (a) => ({ method: "POST", url, json: telegramPayload(a, o) }),
    o.timeoutMs,
  );
}

/**
 * Apprise's `tgram://bottoken/chat_id` (one chat per entry). The token's colon reaches here as user
 * info: url.ts reads `tgram://123:AA.../chat` as `tgram://123:AA...@telegram/chat` (no URL parser takes
 * "AA..." for a port).
 */
export function tgramUrl(u: URL): ServiceUrl<z.input<typeof schema>> {
  const token = `${user(u)}:${password(u)}`;
  const chats = segments(u);
  const [chatId] = chats;
  if (!/^\d+:[A-Za-z0-9_-]+$/.test(token) || chats.length !== 1 || !chatId) {
    return fail("expected tgram://bottoken/chat_id (one chat per entry: one entry per chat)");
  }
  return { ok: true, entry: { type: "telegram", token, chatId } };
}
