/**
 * IRC: one PRIVMSG (or NOTICE) per article to one channel. Article text loses IRC's formatting codes
 * (bold, colour with its digits, reverse, italics, underline, reset, CTCP \x01) and every line break,
 * so it can neither style the line nor start a second command; the line fits IRC's 512 bytes as the
 * other clients receive it (with our nick!user@host in front).
 */
import type { Article } from "../article/article.js";
import { articleFields } from "./format/fields.js";
import { DEFAULT_LINK } from "./format/link.js";
import { render } from "./format/template.js";
import { truncate, utf8Bytes } from "./format/text.js";
import { IRC_LINE_BYTES, IrcClient, type IrcClientOptions } from "./irc-client.js";
import type { Notifier } from "./notifier.js";

export interface IrcOptions {
  host: string;
  /** Default 6697 with TLS, 6667 without. */
  port?: number;
  tls?: boolean;
  ca?: string;
  nick?: string;
  username?: string;
  realname?: string;
  password?: string;
  sasl?: { username: string; password: string };
  nickservPassword?: string;
  /** "#news"; also &, + and ! channels. */
  channel: string;
  channelKey?: string;
  /** NOTICE instead of PRIVMSG (RFC 2812 3.3.2: what automatic senders should use). */
  notice?: boolean;
  /** One line; default IRC_TEMPLATE. */
  template?: string;
  link?: string;
  timeoutMs?: number;
}

export const IRC_TEMPLATE = "[{group}] {subject} — {fromName} {link}";

/**
 * RFC 1459 8.10: a server lets a client send a burst, then about one line every 2 seconds before it
 * stops reading (or kills it for "Excess Flood"); each article costs a PRIVMSG and a PING.
 */
export const IRC_DEFAULT_RATE = 0.5;

/**
 * mIRC formatting codes: \x02 bold, \x03 colour (with up to two foreground and two background digits),
 * \x04 hex colour, \x0f reset, \x11 monospace, \x16 reverse, \x1d italic, \x1e strike, \x1f underline;
 * \x01 delimits CTCP. The colour digits go too (otherwise "\x0304,01" would leave "04,01").
 */
const FORMATTING =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing IRC control codes is the point
  /\x03(?:\d{1,2}(?:,\d{1,2})?)?|\x04(?:[0-9a-fA-F]{6}(?:,[0-9a-fA-F]{6})?)?|[\x01\x02\x0f\x11\x16\x1d\x1e\x1f]/g;

export function stripIrcFormatting(text: string): string {
  return text.replace(FORMATTING, "");
}

/** The article with formatting codes removed, before the common cleaning of control characters. */
function ircArticle(a: Article): Article {
  return {
    ...a,
    subject: stripIrcFormatting(a.subject),
    from: { name: stripIrcFormatting(a.from.name), address: stripIrcFormatting(a.from.address) },
    snippet: stripIrcFormatting(a.snippet),
  };
}

/** Line breaks (the snippet has them) become spaces: one field can never make a second line. */
const oneLine = (value: string) => value.replace(/\s*\n\s*/g, " ").trim();
const BREAKS = /[\r\n\0]+/g;

/** The bytes a message may take, so that `:nick!~user@host PRIVMSG #chan :text\r\n` stays in 512. */
export function ircTextLimit(channel: string, nick: string, notice = false): number {
  const command = `${notice ? "NOTICE" : "PRIVMSG"} ${channel} :`;
  // ":" nick "!" user (≤ 10 with "~") "@" host (≤ 63) " ": what the server puts in front for others.
  const prefix = 1 + Buffer.byteLength(nick) + 1 + 10 + 1 + 63 + 1;
  return IRC_LINE_BYTES - 2 - Buffer.byteLength(command) - prefix;
}

/** The whole line we send (without CR LF). */
export function ircLine(a: Article, o: Omit<IrcOptions, "host">, nick: string): string {
  const f = articleFields(ircArticle(a), o.link ?? DEFAULT_LINK);
  const limit = ircTextLimit(o.channel, nick, o.notice);
  const text = truncate(
    render(o.template ?? IRC_TEMPLATE, f, { escape: oneLine, limit, measure: utf8Bytes })
      .replace(BREAKS, " ")
      .trim(),
    limit,
    utf8Bytes,
  );
  return `${o.notice ? "NOTICE" : "PRIVMSG"} ${o.channel} :${text || "(empty)"}`;
}

export function ircPort(o: Pick<IrcOptions, "port" | "tls">): number {
  return o.port ?? (o.tls ? 6697 : 6667);
}

export class IrcNotifier implements Notifier {
  readonly label: string;
  readonly #client: IrcClient;

  constructor(readonly options: IrcOptions) {
    const client: IrcClientOptions = {
      host: options.host,
      port: ircPort(options),
      tls: options.tls ?? false,
      ...(options.ca ? { ca: options.ca } : {}),
      nick: options.nick ?? "newsnotify",
      username: options.username ?? "newsnotify",
      realname: options.realname ?? "newsnotify",
      ...(options.password ? { password: options.password } : {}),
      ...(options.sasl ? { sasl: options.sasl } : {}),
      ...(options.nickservPassword ? { nickservPassword: options.nickservPassword } : {}),
      channel: options.channel,
      ...(options.channelKey ? { channelKey: options.channelKey } : {}),
      timeoutMs: options.timeoutMs ?? 30_000,
    };
    this.#client = new IrcClient(client);
    this.label = `irc ${this.#client.where}`;
  }

  preview(article: Article): unknown {
    return ircLine(article, this.options, this.#client.nick);
  }

  send(article: Article, signal?: AbortSignal): Promise<void> {
    // Built after connecting would be better for a changed nick; the limit reserves for the longer one.
    const nick = this.#client.nick.length >= 15 ? this.#client.nick : "x".repeat(15);
    return this.#client.send(ircLine(article, this.options, nick), signal);
  }

  close(): void {
    this.#client.close();
  }
}

/**
 * `irc://[nick[:password]@]host[:port]/channel` (ircs:// for TLS): the channel as `/news` (a # is added),
 * `/%23news`, or `/#news` (then it is the URL's fragment). The password is the server password (PASS).
 */
export function parseIrcUrl(
  text: string,
): { ok: true; entry: Record<string, unknown> } | { ok: false; problem: string } {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return { ok: false, problem: "not a valid irc:// URL" };
  }
  const tls = u.protocol === "ircs:";
  if (!tls && u.protocol !== "irc:") return { ok: false, problem: "expected irc:// or ircs://" };
  let channel = decodeURIComponent(u.pathname.replace(/^\//, ""));
  if (channel === "" && u.hash) channel = decodeURIComponent(u.hash);
  if (channel && !/^[#&+!]/.test(channel)) channel = `#${channel}`;
  if (!u.hostname || !IRC_CHANNEL.test(channel)) {
    return { ok: false, problem: "expected irc://[nick@]host[:port]/channel" };
  }
  return {
    ok: true,
    entry: {
      type: "irc",
      host: u.hostname,
      ...(u.port ? { port: Number(u.port) } : {}),
      tls,
      channel,
      ...(u.username ? { nick: decodeURIComponent(u.username) } : {}),
      ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    },
  };
}

/** RFC 2812 1.3: a prefix, then up to 49 characters without space, comma, BEL, colon, CR, LF or NUL. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters a channel name may not have
export const IRC_CHANNEL = /^[#&+!][^\s,:\x00\x07]{1,49}$/;
/** RFC 2812 2.3.1 nickname, with the longer lengths servers allow today. */
export const IRC_NICK = /^[A-Za-z[\]\\`_^{|}][A-Za-z0-9[\]\\`_^{|}-]{0,29}$/;
