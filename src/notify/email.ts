/**
 * Email over SMTP (nodemailer): one plain-text message per article. Subject and From display name are
 * made from the article, so they are cleaned to one line first and nodemailer RFC 2047-encodes them
 * (or quotes them) itself: nothing from the article can end a header line or add a header.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Transporter } from "nodemailer";
import type { Article } from "../article/article.js";
import { articleFields } from "./format/fields.js";
import { DEFAULT_LINK } from "./format/link.js";
import { render } from "./format/template.js";
import { DeliveryError } from "./http.js";
import type { Notifier } from "./notifier.js";
import { printable } from "./stdout.js";

export interface EmailOptions {
  host: string;
  /** Default 587 for starttls, 465 for tls, 25 for none. */
  port?: number;
  /** starttls (required, the default), tls (implicit, "SMTPS") or none (a local relay only). */
  security?: "starttls" | "tls" | "none";
  username?: string;
  password?: string;
  /** PEM file of the CA that signed the server's certificate (a private CA); default the system's. */
  ca?: string;
  /** Envelope and header sender address. */
  from: string;
  /** The From display name; a template (default EMAIL_FROM_NAME). */
  fromName?: string;
  to: string[];
  /** A template; default EMAIL_SUBJECT. */
  subject?: string;
  /** The plain-text body; default EMAIL_TEMPLATE. */
  template?: string;
  link?: string;
  timeoutMs?: number;
}

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
const oneLine = (text: string) => text.replace(/[\r\n\u0000]+/g, " ").trim();

export interface EmailMessage {
  from: { name: string; address: string };
  to: string[];
  subject: string;
  text: string;
  messageId: string;
  headers: Record<string, string>;
}

export function emailMessage(a: Article, o: Omit<EmailOptions, "host">): EmailMessage {
  const f = articleFields(a, o.link ?? DEFAULT_LINK);
  const one = (template: string, limit: number) =>
    oneLine(render(template, f, { escape: plain, limit }));
  return {
    from: { name: one(o.fromName ?? EMAIL_FROM_NAME, EMAIL_LIMITS.fromName), address: o.from },
    to: o.to,
    subject: one(o.subject ?? EMAIL_SUBJECT, EMAIL_LIMITS.subject),
    text: render(o.template ?? EMAIL_TEMPLATE, f, { escape: plain, limit: EMAIL_LIMITS.body }),
    messageId: mailMessageId(a.messageId, o.from),
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

export function emailPort(o: Pick<EmailOptions, "port" | "security">): number {
  if (o.port) return o.port;
  return o.security === "tls" ? 465 : o.security === "none" ? 25 : 587;
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
    const security = o.security ?? "starttls";
    const timeout = o.timeoutMs ?? 30_000;
    this.#transport = nodemailer.createTransport({
      host: o.host,
      port: emailPort(o),
      secure: security === "tls",
      requireTLS: security === "starttls",
      ignoreTLS: security === "none",
      ...(o.username !== undefined ? { auth: { user: o.username, pass: o.password ?? "" } } : {}),
      tls: { ...(o.ca ? { ca: readFileSync(o.ca) } : {}), minVersion: "TLSv1.2" },
      // One kept connection for a burst, not one handshake per article.
      pool: true,
      maxConnections: 1,
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

/** `mailto:` and `smtp(s)://` service URLs (see docs/notifiers.md), or a problem. */
export function parseEmailUrl(
  text: string,
): { ok: true; entry: Record<string, unknown> } | { ok: false; problem: string } {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return { ok: false, problem: "not a valid smtp:// or mailto: URL" };
  }
  const q = u.searchParams;
  const scheme = u.protocol.slice(0, -1).toLowerCase();
  if (scheme === "mailto") {
    // mailto:to@example.org?from=news@example.net&smtp=mail.example.net  (host defaults to localhost)
    const to = decodeURIComponent(u.pathname).split(",").filter(Boolean);
    const from = q.get("from");
    if (to.length === 0 || !from) {
      return { ok: false, problem: "expected mailto:to@example.org?from=news@example.net" };
    }
    return {
      ok: true,
      entry: {
        type: "email",
        host: q.get("smtp") ?? "localhost",
        ...(q.get("port") ? { port: Number(q.get("port")) } : {}),
        security: "none",
        from,
        to,
      },
    };
  }
  if (scheme !== "smtp" && scheme !== "smtps") {
    return { ok: false, problem: "expected smtp://, smtps:// or mailto:" };
  }
  // smtp://user:password@host[:port]?from=a@b&to=c@d,e@f  (smtp: STARTTLS required; smtps: implicit TLS)
  const from = q.get("from");
  const to = (q.get("to") ?? "").split(",").filter(Boolean);
  if (!u.hostname || !from || to.length === 0) {
    return { ok: false, problem: "expected smtp://[user:password@]host[:port]?from=...&to=..." };
  }
  return {
    ok: true,
    entry: {
      type: "email",
      host: u.hostname,
      ...(u.port ? { port: Number(u.port) } : {}),
      security: scheme === "smtps" ? "tls" : "starttls",
      ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
      ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
      from,
      to,
    },
  };
}
