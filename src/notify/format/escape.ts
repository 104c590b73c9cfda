/** Per-service escapes for text that comes from an article: it must never become markup, a link or a mention. */

/** Slack mrkdwn (and plain_text): `&`, `<`, `>` as entities, so `<!channel>` or `<url|label>` stay text. */
export function slackEscape(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : "&gt;"));
}

/** HTML text and attribute values. */
export function htmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c] ?? c);
}

const HTML_ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Markdown (Discord, Mattermost): a backslash before every character that can start emphasis, code,
 * a link (`[x](y)`), a heading, a list, a quote, a spoiler or a mention (`<@id>`). `:` too, so that a
 * URL in the text shows as text rather than a link whose label could differ from its target.
 */
export function markdownEscape(text: string): string {
  return text.replace(/[\\`*_~|[\]()<>#+\-!=:.]/g, "\\$&");
}

/** A zero-width space after `@` stops a mention; `words` limits it to those (e.g. everyone, here). */
export function breakMentions(text: string, words?: readonly string[]): string {
  if (!words) return text.replace(/@(?=[\p{L}\p{N}_])/gu, "@\u200b");
  const pattern = new RegExp(`@(?=(?:${words.join("|")})\\b)`, "gi");
  return text.replace(pattern, "@\u200b");
}
