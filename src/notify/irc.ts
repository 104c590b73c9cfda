/**
 * IRC: one PRIVMSG (or NOTICE) per article to one channel. Article text loses IRC's formatting codes
 * (bold, colour with its digits, reverse, italics, underline, reset, CTCP \x01) and every line break,
 * so it can neither style the line nor start a second command; the line fits IRC's 512 bytes as the
 * other clients receive it (with our nick!user@host in front).
 */

import { z } from "zod";
import type { Article } from "../article/article.js";
import { isSpace } from "../util/space.js";
import { defineNotifier, type OptionsOf, type ServiceUrl } from "./definition.js";
import { pemFile } from "./email.js";
import { articleFields } from "./format/fields.js";
import { DEFAULT_LINK } from "./format/link.js";
import { render } from "./format/template.js";
import { truncate, utf8Bytes } from "./format/text.js";
import { IRC_LINE_BYTES, IrcClient, type IrcClientOptions } from "./irc-client.js";
import type { Notifier } from "./notifier.js";
import { headerValue, http, linkPattern, routing, template, timeoutMs } from "./schema-parts.js";
import { fail, password, user } from "./url-parts.js";

/** RFC 2812 1.3: a prefix, then up to 49 characters without space, comma, BEL, colon, CR, LF or NUL. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters a channel name may not have
export const IRC_CHANNEL = /^[#&+!][^\s,:\x00\x07]{1,49}$/;
/** RFC 2812 2.3.1 nickname, with the longer lengths servers allow today. */
export const IRC_NICK = /^[A-Za-z[\]\\`_^{|}][A-Za-z0-9[\]\\`_^{|}-]{0,29}$/;

/** A word that may follow a command: no space, no line break, no leading colon. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: none of these may be in an IRC parameter
const ircWord = z.string().regex(/^[^\s:\u0000-\u001f][^\s\u0000-\u001f]*$/, "expected one word");

const schema = z
  .strictObject({
    type: z.literal("irc"),
    host: z
      .string()
      .regex(/^[^\s/@]+$/, "expected a host name or address")
      .describe("IRC server."),
    port: z.int().min(1).max(65535).optional().describe("Default 6697 with TLS, 6667 without."),
    tls: z.boolean().default(false).describe("TLS (ircs); certificates are verified."),
    ca: pemFile.optional(),
    nick: z.string().regex(IRC_NICK, "expected an IRC nickname").default("newsnotify"),
    username: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,10}$/, "expected 1-10 letters, digits, . _ -")
      .default("newsnotify")
      .describe("The user name (ident) sent in USER."),
    realname: headerValue.max(50).default("newsnotify").describe("The real name sent in USER."),
    password: ircWord.optional().describe("Server password (PASS)."),
    sasl: z
      .strictObject({ username: ircWord, password: headerValue.min(1) })
      .optional()
      .describe("SASL PLAIN log-in (the server must offer SASL)."),
    nickservPassword: headerValue.min(1).optional().describe("Sent as IDENTIFY to NickServ."),
    channel: z
      .string()
      .regex(IRC_CHANNEL, 'expected a channel such as "#news"')
      .describe("Where to post."),
    channelKey: ircWord.optional().describe("The channel's key (+k)."),
    notice: z.boolean().default(false).describe("NOTICE instead of PRIVMSG."),
    template: template
      .refine((t) => !/[\r\n]/.test(t), "must be one line")
      .optional()
      .describe(
        "The line, with {field} placeholders; default [{group}] {subject} — {fromName} {link}.",
      ),
    link: linkPattern.optional(),
    ...http,
    timeoutMs: timeoutMs(30_000),
    ...routing,
  })
  .describe("IRC: one line per article in a channel.");

export type IrcOptions = OptionsOf<typeof schema>;

export const definition = defineNotifier({
  type: "irc",
  schema,
  create: (options) => new IrcNotifier(options),
  urls: { irc: ircUrl, ircs: ircUrl },
  paceKey: (o) => `irc://${o.host}:${ircPort(o)}/${o.channel.toLowerCase()}`,
  // RFC 1459 8.10: about one line every 2 seconds (see IRC_DEFAULT_RATE).
  defaultRate: 0.5,
  presentation: ["notice"],
});

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

/**
 * Line breaks (the snippet has them) become spaces: one field can never make a second line. Each
 * run of whitespace with a "\n" in it becomes one space, as `/\s*\n\s*\/g` did; scanned once,
 * because that regex retried from every space of a run without "\n" (a Subject of 100,000 spaces
 * took seconds).
 */
export function oneLine(value: string): string {
  let out = "";
  let from = 0;
  for (let i = 0; i < value.length; ) {
    if (!isSpace(value.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    let newline = false;
    for (; i < value.length && isSpace(value.charCodeAt(i)); i++)
      if (value.charCodeAt(i) === 0x0a) newline = true;
    if (newline) {
      out += `${value.slice(from, start)} `;
      from = i;
    }
  }
  return (out + value.slice(from)).trim();
}
const BREAKS = /[\r\n\0]+/g;

/** The bytes a message may take, so that `:nick!~user@host PRIVMSG #chan :text\r\n` stays in 512. */
export function ircTextLimit(channel: string, nick: string, notice = false): number {
  const command = `${notice ? "NOTICE" : "PRIVMSG"} ${channel} :`;
  // ":" nick "!" user (≤ 10 with "~") "@" host (≤ 63) " ": what the server puts in front for others.
  const prefix = 1 + Buffer.byteLength(nick) + 1 + 10 + 1 + 63 + 1;
  return IRC_LINE_BYTES - 2 - Buffer.byteLength(command) - prefix;
}

/** The whole line we send (without CR LF). */
export function ircLine(a: Article, o: Omit<IrcOptions, "host" | "type">, nick: string): string {
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
export function ircUrl(u: URL, secure: boolean): ServiceUrl<z.input<typeof schema>> {
  let channel = decodeURIComponent(u.pathname.replace(/^\//, ""));
  if (channel === "" && u.hash) channel = decodeURIComponent(u.hash);
  if (channel && !/^[#&+!]/.test(channel)) channel = `#${channel}`;
  if (!u.hostname || !IRC_CHANNEL.test(channel)) {
    return fail("expected irc[s]://[nick[:password]@]host[:port]/channel");
  }
  const entry: z.input<typeof schema> = { type: "irc", host: u.hostname, tls: secure, channel };
  if (u.port) entry.port = Number(u.port);
  if (u.username) entry.nick = user(u);
  if (u.password) entry.password = password(u);
  return { ok: true, entry };
}
