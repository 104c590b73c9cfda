/**
 * Google Chat incoming webhook, as a card (cardsV2). Plain `text` messages have no escape for `<`
 * (`<users/all>` mentions everyone), but a card's textParagraph is HTML, which escaping makes inert.
 */
import type { Article } from "../article/article.js";
import { htmlEscape } from "./format/escape.js";
import { articleFields } from "./format/fields.js";
import { DEFAULT_LINK, isWebLink } from "./format/link.js";
import { type Field, render } from "./format/template.js";
import { redactUrl } from "./http.js";
import { HttpNotifier } from "./http-notifier.js";
import type { Notifier } from "./notifier.js";

export interface GchatOptions {
  url: string;
  /** HTML (b, i, u, a, br, font) for the card text; default GCHAT_TEMPLATE. */
  template?: string;
  link?: string;
  timeoutMs?: number;
}

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
