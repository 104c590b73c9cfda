/**
 * Telegram Bot API `sendMessage` with `parse_mode: HTML`. Every value from the article is HTML-escaped
 * (`<`, `>`, `&`, quotes: the Bot API's own rule), `@name` gets a zero-width space so it mentions nobody,
 * and link previews are off, so a URL in the article fetches nothing. 429 answers carry
 * `parameters.retry_after`, which the dispatcher waits for.
 */
import type { Article } from "../article/article.js";
import { breakMentions, htmlEscape } from "./format/escape.js";
import { articleFields } from "./format/fields.js";
import { DEFAULT_LINK, isWebLink } from "./format/link.js";
import { render } from "./format/template.js";
import { redactUrl } from "./http.js";
import { HttpNotifier } from "./http-notifier.js";
import type { Notifier } from "./notifier.js";

export interface TelegramOptions {
  /** The bot's token from @BotFather, 123456789:AA... */
  token: string;
  /** A chat's numeric ID (-100... for channels and supergroups) or @channelusername. */
  chatId: string;
  /** A forum topic. */
  messageThreadId?: number;
  /** Deliver without a notification sound. */
  silent?: boolean;
  /** The Bot API server; default https://api.telegram.org (a local Bot API server, or a test receiver). */
  apiUrl?: string;
  /** Telegram's HTML subset (b, i, u, s, a, code, pre, blockquote); default by the link's kind. */
  template?: string;
  link?: string;
  timeoutMs?: number;
}

/** Bot API sendMessage: text is 1-4096 characters after entities parsing (counted here before: safe). */
export const TELEGRAM_LIMITS = { text: 4096 } as const;

/** 20 messages a minute in one group (Bot FAQ), the strictest of Telegram's limits; 1/s in private chats. */
export const TELEGRAM_DEFAULT_RATE = 1 / 3;

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
  o: Omit<TelegramOptions, "token">,
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

/** Apprise's `tgram://bottoken/chat_id` (one chat per entry). */
export function parseTelegramUrl(
  text: string,
): { ok: true; entry: Record<string, unknown> } | { ok: false; problem: string } {
  // Not new URL(): the token's colon would be taken for a port.
  const m = /^tgram:\/\/(\d+:[A-Za-z0-9_-]+)\/([^/?#]+)\/?$/i.exec(text);
  if (!m) {
    return {
      ok: false,
      problem: "expected tgram://bottoken/chat_id (one chat per entry: one entry per chat)",
    };
  }
  const chatId = decodeURIComponent(m[2] as string);
  if (!/^(-?\d+|@[A-Za-z][A-Za-z0-9_]{3,31})$/.test(chatId)) {
    return { ok: false, problem: "the chat must be a numeric ID or @channelusername" };
  }
  return { ok: true, entry: { type: "telegram", token: m[1], chatId } };
}
