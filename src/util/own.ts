/**
 * A copy of `s` that keeps nothing else alive. V8 represents a substring (slice, regex match) of 13
 * or more characters as a view into its parent, so a Message-ID cut from an article's text keeps the
 * whole text in memory for as long as the ID is kept: de-duplication sets and the outbox keep tens of
 * thousands of IDs, which was 2 KB of retained article per article (measured with a heap snapshot).
 * Concatenating first makes V8 flatten into a fresh string, which the slice then views.
 */
export function own(s: string): string {
  return s.length < 13 ? s : ` ${s}`.slice(1);
}
