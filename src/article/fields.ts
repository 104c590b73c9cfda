/** The structured news fields: Message-ID, Newsgroups, Xref, References. */

import { own } from "../util/own.js";

const MSGID = /<[^<>\s]+>/g;

/** The first <id> in the field; a bare id gets its brackets; "" when there is none. */
export function messageIdOf(value: string): string {
  // Owned copies: Message-IDs outlive their article in de-duplication sets and the outbox.
  const [id] = value.match(MSGID) ?? [];
  if (id) return own(id);
  const bare = value.trim();
  return bare && !/[\s<>]/.test(bare) ? own(`<${bare}>`) : "";
}

/** Newsgroups: comma-separated, in header order, empty names removed. */
export function parseNewsgroups(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((group) => group.trim())
    .filter((group) => group !== "");
}

/** Xref: "host group:number group:number ..." (the host first), malformed entries skipped. */
export function parseXref(value: string | undefined): { group: string; number: number }[] {
  const entries = (value ?? "").trim().split(/\s+/).slice(1);
  return entries.flatMap((entry) => {
    const colon = entry.lastIndexOf(":");
    const number = entry.slice(colon + 1);
    return colon > 0 && /^\d+$/.test(number)
      ? [{ group: own(entry.slice(0, colon)), number: Number(number) }]
      : [];
  });
}

/** References: the <id>s, in order. */
export function parseReferences(value: string | undefined): string[] {
  return (value ?? "").match(MSGID) ?? [];
}
