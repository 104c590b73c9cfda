/** Date header -> ISO 8601 UTC, for RFC 5322 dates and their obsolete forms. */

// RFC 5322 obsolete zones, plus names still common in old Usenet articles.
const ZONES: Record<string, string> = {
  UT: "+0000",
  UTC: "+0000",
  GMT: "+0000",
  Z: "+0000",
  EST: "-0500",
  EDT: "-0400",
  CST: "-0600",
  CDT: "-0500",
  MST: "-0700",
  MDT: "-0600",
  PST: "-0800",
  PDT: "-0700",
  WET: "+0000",
  WEST: "+0100",
  BST: "+0100",
  CET: "+0100",
  CEST: "+0200",
  MET: "+0100",
  MEST: "+0200",
  EET: "+0200",
  EEST: "+0300",
  MSK: "+0300",
  IST: "+0530",
  HKT: "+0800",
  JST: "+0900",
  KST: "+0900",
  AEST: "+1000",
  AEDT: "+1100",
  NZST: "+1200",
  NZDT: "+1300",
};

/** ISO 8601 (UTC) or null when missing or unparsable; a date without a zone is taken as UTC. */
export function toIsoDate(value: string | undefined): string | null {
  if (!value) return null;
  let date = value
    .replace(/\([^()]*\)/g, " ") // comments, e.g. "+0000 (UTC)"
    .replace(/\s+/g, " ")
    .trim();
  if (!/\d:\d\d/.test(date)) return null; // no time of day: not an RFC 5322 date, whatever Date.parse says
  date = date.replace(/ ([A-Za-z]{1,5})$/, (whole, zone: string) => {
    const upper = zone.toUpperCase();
    // Military zones were defined with the wrong sign; RFC 5322 says to read them as -0000.
    const offset = ZONES[upper] ?? (upper.length === 1 && upper !== "J" ? "+0000" : undefined);
    return offset ? ` ${offset}` : whole;
  });
  if (!/[+-]\d{4}$/.test(date)) date += " +0000";
  const ms = Date.parse(date);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
