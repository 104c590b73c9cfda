/**
 * Google Chat incoming webhook, as a card (cardsV2). Plain `text` messages have no escape for `<`
 * (`<users/all>` mentions everyone), but a card's textParagraph is HTML, which escaping makes inert.
 */
import { z } from "zod";
import type { Article } from "../article/article.js";
import { defineNotifier, type OptionsOf, type ServiceUrl, urlTarget } from "./definition.js";
import { htmlEscape } from "./format/escape.js";
import { articleFields } from "./format/fields.js";
import { DEFAULT_LINK, isWebLink } from "./format/link.js";
import { type Field, render } from "./format/template.js";
import { redactUrl } from "./http.js";
import { HttpNotifier } from "./http-notifier.js";
import type { Notifier } from "./notifier.js";
import { formatting, http, httpUrl, routing } from "./schema-parts.js";
import { fail, segments } from "./url-parts.js";

const schema = z
  .strictObject({
    type: z.literal("gchat"),
    url: httpUrl(
      "The space's webhook URL (https://chat.googleapis.com/v1/spaces/.../messages?key=...&token=...).",
    ),
    ...formatting,
    ...http,
    ...routing,
  })
  .describe("Google Chat incoming webhook, as a card.");

/** `template` is HTML (b, i, u, a, br, font) for the card text; default GCHAT_TEMPLATE. */
export type GchatOptions = OptionsOf<typeof schema>;

export const definition = defineNotifier({
  type: "gchat",
  schema,
  create: (options) => gchatNotifier(options),
  urls: { gchat: gchatUrl },
  paceKey: (o) => urlTarget(o.url),
  // One message per second per space.
  defaultRate: 1,
});

/** A message may be 32,000 bytes; these keep a card well inside it. */
export const GCHAT_LIMITS = { title: 200, subtitle: 200, text: 4000 } as const;

export const GCHAT_TEMPLATE =
  "<b>Newsgroups:</b> {newsgroups}<br><b>Date:</b> {date}<br><br>{snippet}";

export function gchatHtmlEscape(value: string, _field: Field): string {
  return htmlEscape(value).replace(/\n/g, "<br>");
}

/** Card header text is plain: shown as is, never parsed. */
const plain = (value: string) => value;

export function gchatPayload(a: Article, o: Omit<GchatOptions, "url">): Record<string, unknown> {
  const f = articleFields(a, o.link ?? DEFAULT_LINK);
  const widgets: unknown[] = [
    {
      textParagraph: {
        text: render(o.template ?? GCHAT_TEMPLATE, f, {
          escape: gchatHtmlEscape,
          limit: GCHAT_LIMITS.text,
        }),
      },
    },
  ];
  if (isWebLink(f.link)) {
    widgets.push({
      buttonList: { buttons: [{ text: "Open article", onClick: { openLink: { url: f.link } } }] },
    });
  }
  return {
    cardsV2: [
      {
        cardId: "article",
        card: {
          header: {
            title: render("{subject}", f, { escape: plain, limit: GCHAT_LIMITS.title }),
            subtitle: render("{from}", f, { escape: plain, limit: GCHAT_LIMITS.subtitle }),
          },
          sections: [{ widgets }],
        },
      },
    ],
  };
}

export function gchatNotifier(o: GchatOptions): Notifier {
  return new HttpNotifier(
    `gchat ${redactUrl(o.url)}`,
    (a) => ({ method: "POST", url: o.url, json: gchatPayload(a, o) }),
    o.timeoutMs,
  );
}

/** Apprise gchat://workspace/key/token → https://chat.googleapis.com/v1/spaces/workspace/messages?key=&token= */
function gchatUrl(u: URL): ServiceUrl<z.input<typeof schema>> {
  const [key, token, ...rest] = segments(u);
  if (!u.hostname || !key || !token || rest.length > 0) {
    return fail("expected gchat://workspace/key/token (from the space's webhook URL)");
  }
  const query = new URLSearchParams({ key, token });
  return {
    ok: true,
    entry: {
      type: "gchat",
      url: `https://chat.googleapis.com/v1/spaces/${encodeURIComponent(u.hostname)}/messages?${query}`,
    },
  };
}
