/**
 * Microsoft Teams through a Workflows (Power Automate) webhook: one Adaptive Card in the `attachments`
 * envelope ("Post to a channel when a webhook request is received"). Teams' Office 365 connectors
 * are retired. Article text goes into TextBlocks, whose Markdown (a CommonMark subset: **bold**,
 * _italic_, - and 1. lists, [title](url) links; learn.microsoft.com/adaptive-cards/create/textfeatures)
 * is neutralised with CommonMark backslash escapes, and `{{DATE(...)}}`/`{{TIME(...)}}` functions are
 * broken up; nothing can be a mention (Teams mentions need an `<at>` tag plus an msteams entity).
 */
import { z } from "zod";
import type { Article } from "../article/article.js";
import { defineNotifier, type OptionsOf, urlTarget } from "./definition.js";
import { articleFields } from "./format/fields.js";
import { DEFAULT_LINK, isWebLink } from "./format/link.js";
import { type Field, render } from "./format/template.js";
import { redactUrl } from "./http.js";
import { HttpNotifier } from "./http-notifier.js";
import type { Notifier } from "./notifier.js";
import { formatting, http, httpUrl, routing } from "./schema-parts.js";

const schema = z
  .strictObject({
    type: z.literal("teams"),
    url: httpUrl(
      "The workflow's webhook trigger URL (Workflows: When a Teams webhook request is received).",
    ),
    ...formatting,
    ...http,
    ...routing,
  })
  .describe("Microsoft Teams through a Workflows webhook: an Adaptive Card.");

export type TeamsOptions = OptionsOf<typeof schema>;

export const definition = defineNotifier({
  type: "teams",
  schema,
  create: (options) => teamsNotifier(options),
  paceKey: (o) => urlTarget(o.url),
  defaultRate: 1,
});

/** Teams: a message is at most 28 KB (learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors). */
export const TEAMS_LIMITS = { payloadBytes: 28_000, title: 500, text: 18_000 } as const;

export const TEAMS_TEMPLATE = "**From:** {from}\n\n**Newsgroups:** {newsgroups}\n\n{snippet}";

/**
 * CommonMark 2.4: any ASCII punctuation may be backslash-escaped; these are the ones that can start
 * emphasis, a list, a link or autolink (`<http://...>`), code, an entity (&lt;), a heading, a table
 * or break a {{DATE()}} function. `:` and `.` too, so a URL in the text is not auto-linked.
 */
export function teamsEscape(value: string, field?: Field): string {
  if (field === "link") return value;
  return value.replace(/[\\`*_~|[\]()<>#+\-!=:.&{}]/g, "\\$&");
}

/** A JSON string's size in bytes, as it travels (escapes included). */
const jsonBytes = (text: string) => Buffer.byteLength(JSON.stringify(text));

export function teamsPayload(
  a: Article,
  o: Omit<TeamsOptions, "url" | "type">,
): Record<string, unknown> {
  const f = articleFields(a, o.link ?? DEFAULT_LINK);
  const block = (template: string, limit: number, extra: Record<string, unknown> = {}) => ({
    type: "TextBlock",
    text: render(template, f, { escape: teamsEscape, limit, measure: jsonBytes }),
    wrap: true,
    ...extra,
  });
  const body = [
    block("{subject}", TEAMS_LIMITS.title, { weight: "Bolder", size: "Medium" }),
    block("{date}", 200, { isSubtle: true, spacing: "None" }),
    block(o.template ?? TEAMS_TEMPLATE, TEAMS_LIMITS.text),
  ];
  const web = isWebLink(f.link);
  if (!web) body.push(block("{messageId}", 1000, { isSubtle: true, fontType: "Monospace" }));
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          body,
          // Action.OpenUrl takes http(s) only; a news: link is shown as the Message-ID instead.
          ...(web
            ? { actions: [{ type: "Action.OpenUrl", title: "Open article", url: f.link }] }
            : {}),
        },
      },
    ],
  };
}

export function teamsNotifier(o: TeamsOptions): Notifier {
  return new HttpNotifier(
    `teams ${redactUrl(o.url)}`,
    (a) => ({ method: "POST", url: o.url, json: teamsPayload(a, o) }),
    o.timeoutMs,
  );
}

/** True for a Workflows trigger URL, which a bare https:// entry then means (not a plain webhook). */
export function isTeamsWorkflowUrl(text: string): boolean {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return false;
  }
  return (
    u.protocol === "https:" &&
    /(^|\.)(logic\.azure\.com|api\.powerplatform\.com)$/i.test(u.hostname) &&
    /\/workflows\//i.test(u.pathname)
  );
}
