/**
 * Email over SMTP (nodemailer): one plain-text message per article. Subject and From display name are
 * made from the article, so they are cleaned to one line first and nodemailer RFC 2047-encodes them
 * (or quotes them) itself: nothing from the article can end a header line or add a header.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Transporter } from "nodemailer";
import { z } from "zod";
import type { Article } from "../article/article.js";
import { printable } from "../util/printable.js";
import { defineNotifier, type OptionsOf, type ServiceUrl } from "./definition.js";
import { articleFields } from "./format/fields.js";
import { DEFAULT_LINK } from "./format/link.js";
import { render } from "./format/template.js";
import { DeliveryError } from "./http.js";
import type { Notifier } from "./notifier.js";
import { formatting, headerValue, http, routing, template, timeoutMs } from "./schema-parts.js";
import { fail, password, user } from "./url-parts.js";

/** An absolute file path (a CA bundle), without control characters. */
export const pemFile = z
  .string()
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a path with control characters is refused
  .regex(/^\/[^\u0000-\u001f]*$/, "expected an absolute path")
  .describe(
    "PEM file of the CA that signed the server's certificate (a private CA); default the system's.",
  );

/**
 * An address as a local MTA takes it: `root@localhost` and `news@newshost` (one-label domains) as
 * well as `a@example.net`; no quotes, spaces or control characters (they would end up in SMTP
 * commands and headers).
 */
export const mailbox = z
  .string()
  .regex(
    /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/,
    "expected an address such as news@example.net or root@localhost",
  );

/** localhost, 127.0.0.0/8 and ::1: a connection that never leaves this host. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127(?:\.\d{1,3}){3}$/.test(h);
}

export type EmailSecurity = "starttls" | "tls" | "none" | "opportunistic";

/** The security in force: the configured one, else opportunistic to this host, starttls elsewhere. */
export function emailSecurity(o: {
  host: string;
  security?: EmailSecurity | undefined;
}): EmailSecurity {
  return o.security ?? (isLoopbackHost(o.host) ? "opportunistic" : "starttls");
}

const oneLine = (what: string) =>
  template.refine((t) => !/[\r\n]/.test(t), "must be one line").describe(what);

const schema = z
  .strictObject({
    type: z.literal("email"),
    host: z
      .string()
      .regex(/^[^\s/@]+$/, "expected a host name or address")
      .describe("SMTP server."),
    port: z
      .int()
      .min(1)
      .max(65535)
      .optional()
      .describe("Default 587 (starttls), 465 (tls), 25 (none, opportunistic)."),
    security: z
      .enum(["starttls", "tls", "none", "opportunistic"])
      .optional()
      .describe(
        "starttls (required), tls (implicit, port 465), none, or opportunistic (STARTTLS when the " +
          "server offers it). Default: opportunistic on port 25 for localhost (Debian's own MTA), " +
          "starttls on 587 for any other host.",
      ),
    username: headerValue.min(1).optional().describe("AUTH user; no AUTH without it."),
    password: headerValue.optional().describe("AUTH password. Never logged."),
    ca: pemFile.optional(),
    // Not from/subject: those are the routing filters every notifier has.
    sender: mailbox.describe("Sender address (From header and envelope)."),
    senderName: oneLine(
      "The sender's display name, a template; default {fromName} (news).",
    ).optional(),
    to: z.array(mailbox).min(1).describe("Recipient addresses."),
    subjectTemplate: oneLine("Subject template; default [{group}] {subject}.").optional(),
    ...formatting,
    ...http,
    timeoutMs: timeoutMs(30_000),
    ...routing,
  })
  // The security in force, written into the entry: the notifier's identity (delivery/targets.ts)
  // stays what it was when the default was a fixed "starttls".
  .overwrite((o) => ({ ...o, security: emailSecurity(o) }))
  .describe("Email over SMTP: one plain-text message per article.");

export type EmailOptions = OptionsOf<typeof schema>;

export const definition = defineNotifier({
  type: "email",
  schema,
  create: (options) => new EmailNotifier(options),
  urls: { smtp: smtpUrl, smtps: smtpUrl },
  paceKey: (o) => `smtp://${o.host}:${emailPort(o)}`,
  presentation: ["senderName", "subjectTemplate"],
});

export const EMAIL_SUBJECT = "[{group}] {subject}";
export const EMAIL_FROM_NAME = "{fromName} (news)";
export const EMAIL_TEMPLATE =
  "From: {from}\nNewsgroups: {newsgroups}\nDate: {date}\nMessage-ID: {messageId}\n\n{snippet}\n\n{link}\n";

/**
 * RFC 5322 2.1.1: a line is at most 998 characters; an encoded subject may be folded over several, but
 * a subject that long helps nobody. The display name likewise.
 */
export const EMAIL_LIMITS = { subject: 250, fromName: 100, body: 100_000 } as const;

const plain = (value: string) => value;
/** Belt and braces: the fields are one line already; the template's own text must not break one either. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing line breaks and NUL is the point
const flat = (text: string) => text.replace(/[\r\n\u0000]+/g, " ").trim();

export interface EmailMessage {
  from: { name: string; address: string };
  to: string[];
  subject: string;
  text: string;
  messageId: string;
  headers: Record<string, string>;
}

export function emailMessage(a: Article, o: Omit<EmailOptions, "host" | "type">): EmailMessage {
  const f = articleFields(a, o.link ?? DEFAULT_LINK);
  const one = (template: string, limit: number) =>
    flat(render(template, f, { escape: plain, limit }));
  return {
    from: { name: one(o.senderName ?? EMAIL_FROM_NAME, EMAIL_LIMITS.fromName), address: o.sender },
    to: o.to,
    subject: one(o.subjectTemplate ?? EMAIL_SUBJECT, EMAIL_LIMITS.subject),
    text: render(o.template ?? EMAIL_TEMPLATE, f, { escape: plain, limit: EMAIL_LIMITS.body }),
    messageId: mailMessageId(a.messageId, o.sender),
    headers: {
      // RFC 3834: automatic mail; vacation responders must not answer it.
      "Auto-Submitted": "auto-generated",
    },
  };
}

/** The same Message-ID on every attempt for one article and sender, so a resent copy can be recognised. */
export function mailMessageId(articleId: string, from: string): string {
  const hash = createHash("sha256").update(articleId).digest("hex").slice(0, 32);
  const domain = /@([A-Za-z0-9.-]+)$/.exec(from)?.[1] ?? "newsnotify.invalid";
  return `<${hash}.newsnotify@${domain}>`;
}

type Nodemailer = typeof import("nodemailer");
let nodemailerModule: Promise<Nodemailer> | undefined;
/** Loaded by the first email: a watcher without an email notifier never needs it. */
const loadNodemailer = () => {
  nodemailerModule ??= import("nodemailer");
  return nodemailerModule;
};

export function emailPort(o: Pick<EmailOptions, "host" | "port" | "security">): number {
  if (o.port) return o.port;
  const security = emailSecurity(o);
  return security === "tls" ? 465 : security === "starttls" ? 587 : 25;
}

export class EmailNotifier implements Notifier {
  readonly label: string;
  #transport: Transporter | undefined;

  constructor(readonly options: EmailOptions) {
    this.label = `email smtp://${options.host}:${emailPort(options)}`;
  }

  preview(article: Article): unknown {
    return emailMessage(article, this.options);
  }

  async #transporter(): Promise<Transporter> {
    if (this.#transport) return this.#transport;
    const o = this.options;
    const nodemailer = await loadNodemailer();
    const security = emailSecurity(o);
    const timeout = o.timeoutMs ?? 30_000;
    // Opportunistic TLS to this host never leaves it: Debian's postfix offers STARTTLS with its
    // self-signed snakeoil certificate, which verification would refuse for no gain.
    const unverified = security === "opportunistic" && isLoopbackHost(o.host) && !o.ca;
    this.#transport = nodemailer.createTransport({
      host: o.host,
      port: emailPort(o),
      secure: security === "tls",
      requireTLS: security === "starttls",
      ignoreTLS: security === "none",
      ...(o.username !== undefined ? { auth: { user: o.username, pass: o.password ?? "" } } : {}),
      tls: {
        ...(o.ca ? { ca: readFileSync(o.ca) } : {}),
        minVersion: "TLSv1.2",
        ...(unverified ? { rejectUnauthorized: false } : {}),
      },
      // One SMTP session per article: a kept (pooled) connection would keep newsnotify running after
      // SIGTERM, and notifiers have no close(); a digest puts many articles into one message instead.
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      // Nothing in a message may make nodemailer read a file or fetch a URL.
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    return this.#transport;
  }

  async send(article: Article, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const m = emailMessage(article, this.options);
    const transport = await this.#transporter();
    try {
      await transport.sendMail({ ...m, envelope: { from: m.from.address, to: m.to } });
    } catch (error) {
      // A broken pooled connection must not be reused for the retry.
      transport.close();
      this.#transport = undefined;
      throw smtpError(error, this.label);
    }
  }

  close(): void {
    this.#transport?.close();
    this.#transport = undefined;
  }
}

/**
 * 5xx answers to the message (MAIL, RCPT, DATA) are permanent (RFC 5321 4.2.1): the article is dropped.
 * A refused log-in (535) is retried instead: a fixed password and a restart deliver the backlog.
 */
export function smtpError(error: unknown, label: string): DeliveryError {
  const e = error as { code?: string; responseCode?: number; response?: string; message?: string };
  const code = e.responseCode;
  const what = printable(String(e.response ?? e.message ?? error)).slice(0, 200);
  const permanent = code !== undefined && code >= 500 && code < 600 && e.code !== "EAUTH";
  return new DeliveryError(`${label}: ${e.code ?? "SMTP"} ${what}`, permanent);
}

/**
 * `smtp://[user:password@]host[:port]?from=a@b&to=c@d,e@f` (STARTTLS; to localhost opportunistic on
 * port 25), `smtps://...` (implicit TLS).
 */
export function smtpUrl(u: URL, secure: boolean): ServiceUrl<z.input<typeof schema>> {
  const q = u.searchParams;
  const from = q.get("from");
  const to = (q.get("to") ?? "").split(",").filter(Boolean);
  if (!u.hostname || !from || to.length === 0) {
    return fail("expected smtp[s]://[user:password@]host[:port]?from=...&to=...");
  }
  const entry: z.input<typeof schema> = {
    type: "email",
    host: u.hostname,
    sender: from,
    to,
  };
  if (secure) entry.security = "tls";
  if (u.port) entry.port = Number(u.port);
  if (u.username) Object.assign(entry, { username: user(u), password: password(u) });
  return { ok: true, entry };
}
