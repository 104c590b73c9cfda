/**
 * Matrix client-server API: `PUT /_matrix/client/v3/rooms/{roomId}/send/m.room.message/{txnId}` with a
 * Bearer access token. The HTML body has every article value escaped; `m.mentions: {}` tells servers
 * that nothing is mentioned (which also turns off body-based mention rules) and `@room` is broken too.
 */
import { createHash } from "node:crypto";
import type { Article } from "../article/article.js";
import { breakMentions, htmlEscape } from "./format/escape.js";
import { articleFields } from "./format/fields.js";
import { DEFAULT_LINK } from "./format/link.js";
import { type Field, render } from "./format/template.js";
import { utf8Bytes } from "./format/text.js";
import { redactUrl } from "./http.js";
import { HttpNotifier } from "./http-notifier.js";
import type { Notifier } from "./notifier.js";

export interface MatrixOptions {
  /** The homeserver's client-server base URL, e.g. https://matrix.example.org. */
  url: string;
  /** Room ID ("!abc:example.org"); aliases would need a lookup first. */
  room: string;
  accessToken: string;
  /** m.notice (the convention for bots) or m.text (the default). */
  msgtype?: "m.text" | "m.notice";
  /** Plain text `body`; default MATRIX_TEMPLATE. */
  template?: string;
  /** HTML `formatted_body`; default MATRIX_HTML_TEMPLATE, or none when only `template` is set. */
  htmlTemplate?: string;
  link?: string;
  timeoutMs?: number;
}

/** An event may be 65536 bytes in all; these leave room for the envelope. */
export const MATRIX_LIMITS = { body: 16_000, formattedBody: 32_000 } as const;

export const MATRIX_TEMPLATE = "{subject}\n{from} in {newsgroups}\n\n{snippet}\n\n{link}";
export const MATRIX_HTML_TEMPLATE =
  '<b>{subject}</b><br>{from} in {newsgroups}<br><br>{snippet}<br><br><a href="{link}">Open article</a>';

const ROOM_MENTION = ["room"] as const;

const plain = (value: string) => breakMentions(value, ROOM_MENTION);

export function matrixHtmlEscape(value: string, _field: Field): string {
  return breakMentions(htmlEscape(value), ROOM_MENTION).replace(/\n/g, "<br>");
}

export function matrixContent(a: Article, o: Omit<MatrixOptions, "url" | "room" | "accessToken">) {
  const f = articleFields(a, o.link ?? DEFAULT_LINK);
  const measure = utf8Bytes;
  const html = o.htmlTemplate ?? (o.template === undefined ? MATRIX_HTML_TEMPLATE : undefined);
  return {
    msgtype: o.msgtype ?? "m.text",
    body: render(o.template ?? MATRIX_TEMPLATE, f, {
      escape: plain,
      limit: MATRIX_LIMITS.body,
      measure,
    }),
    ...(html === undefined
      ? {}
      : {
          format: "org.matrix.custom.html",
          formatted_body: render(html, f, {
            escape: matrixHtmlEscape,
            limit: MATRIX_LIMITS.formattedBody,
            measure,
          }),
        }),
    "m.mentions": {},
  };
}

/**
 * The same article always gets the same transaction ID in a room, so a retry after a lost answer is
 * deduplicated by the homeserver instead of posted twice.
 */
export function matrixTxnId(room: string, messageId: string): string {
  return `newsnotify-${createHash("sha256").update(`${room}\n${messageId}`).digest("hex").slice(0, 32)}`;
}

export function matrixNotifier(o: MatrixOptions): Notifier {
  const base = o.url.replace(/\/+$/, "");
  const room = encodeURIComponent(o.room);
  return new HttpNotifier(
    `matrix ${redactUrl(base)} ${o.room}`,
    (a) => ({
      method: "PUT",
      url: `${base}/_matrix/client/v3/rooms/${room}/send/m.room.message/${matrixTxnId(o.room, a.messageId)}`,
      headers: { authorization: `Bearer ${o.accessToken}` },
      json: matrixContent(a, o),
    }),
    o.timeoutMs,
  );
}
