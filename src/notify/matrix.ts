/**
 * Matrix client-server API: `PUT /_matrix/client/v3/rooms/{roomId}/send/m.room.message/{txnId}` with a
 * Bearer access token. The HTML body has every article value escaped; `m.mentions: {}` tells servers
 * that nothing is mentioned (which also turns off body-based mention rules) and `@room` is broken too.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import type { Article } from "../article/article.js";
import { defineNotifier, type OptionsOf, type ServiceUrl, urlTarget } from "./definition.js";
import { breakMentions, htmlEscape } from "./format/escape.js";
import { articleFields } from "./format/fields.js";
import { DEFAULT_LINK } from "./format/link.js";
import { type Field, render } from "./format/template.js";
import { utf8Bytes } from "./format/text.js";
import { redactUrl } from "./http.js";
import { HttpNotifier } from "./http-notifier.js";
import type { Notifier } from "./notifier.js";
import { formatting, headerValue, http, httpUrl, routing, template } from "./schema-parts.js";
import { fail, hostPort, segments, user } from "./url-parts.js";

const schema = z
  .strictObject({
    type: z.literal("matrix"),
    url: httpUrl("The homeserver's client-server API base, e.g. https://matrix.example.org."),
    room: z
      .string()
      .regex(/^![^:\s]+:\S+$/, "expected a room ID such as !abcdef:example.org (not an alias)")
      .describe("Room ID (Room settings → Advanced)."),
    accessToken: headerValue.min(1).describe("The bot user's access token."),
    msgtype: z.enum(["m.text", "m.notice"]).optional().describe("m.text (default) or m.notice."),
    htmlTemplate: template
      .optional()
      .describe("HTML for formatted_body, same {fields} as template."),
    ...formatting,
    ...http,
    ...routing,
  })
  .describe("Matrix room, through the client-server API.");

/**
 * `room` is a room ID ("!abc:example.org"; aliases would need a lookup first); `msgtype` m.notice is
 * the convention for bots; `template` is the plain text `body` (default MATRIX_TEMPLATE),
 * `htmlTemplate` the HTML `formatted_body` (default MATRIX_HTML_TEMPLATE, or none when only
 * `template` is set).
 */
export type MatrixOptions = OptionsOf<typeof schema>;

export const definition = defineNotifier({
  type: "matrix",
  schema,
  create: (options) => matrixNotifier(options),
  urls: { matrix: matrixUrl, matrixs: matrixUrl },
  // One homeserver serves many rooms: each room is its own target.
  paceKey: (o) => `${urlTarget(o.url)} ${o.room}`,
  presentation: ["htmlTemplate"],
});

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

/** matrix[s]://accessToken@host[:port]/!roomId:server */
function matrixUrl(u: URL, secure: boolean): ServiceUrl<z.input<typeof schema>> {
  if (u.password) {
    return fail(
      "log-in with a password is not supported: use matrix[s]://ACCESS_TOKEN@host/!room:server",
    );
  }
  const [room, ...rest] = segments(u);
  if ((!room && u.hash) || room?.startsWith("#")) {
    return fail(
      "a room alias (#room:server) needs a lookup: use the room ID (!…:server) from the room's settings",
    );
  }
  if (!u.username || !u.hostname || !room?.startsWith("!") || rest.length > 0) {
    return fail("expected matrix[s]://ACCESS_TOKEN@host/!roomId:server");
  }
  return {
    ok: true,
    entry: {
      type: "matrix",
      url: `${secure ? "https" : "http"}://${hostPort(u)}`,
      room,
      accessToken: user(u),
    },
  };
}
