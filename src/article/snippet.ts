/** At most `max` UTF-16 code units of the text, never half a surrogate pair, trailing whitespace trimmed. */
export function makeSnippet(text: string, max: number): string {
  const limit = Math.max(0, Math.floor(max));
  let cut = text.length > limit ? text.slice(0, limit) : text;
  const last = cut.charCodeAt(cut.length - 1);
  if (cut.length < text.length && last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return cut.trimEnd();
}
