/** The text with every RFC 5322 and ISO 8601 date moved `days` days (negative: into the past). */
export function shiftDates(text: string, days: number): { text: string; moved: number };
