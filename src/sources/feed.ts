import { EXIT, UserError } from "../util/errors.js";
import type { Decoder, Source, SourceEvent } from "./source.js";
import { storedEvents } from "./uprobe-decode.js";

/**
 * innd's own channel feed: innd runs `newsnotify feed` (a newsfeeds entry) and writes one line per
 * article it files for the entry's groups. No root, no bpftrace, no tracefs: innd does the
 * filtering. `Wnm` asks for the two fields that make the uprobe source's stored-article event: the
 * storage token (n: reads the article by `sm`, whatever the storage method) and the Message-ID (m:
 * its identity, so a replayed line costs no read). Both are single words, so a line is unambiguous.
 */
export const FEED_FLAGS = "Tc,Wnm";

/**
 * The documented entry's site name. Its `!` keeps it from matching a Path entry (newsfeeds(5)); innd
 * spools to <pathoutgoing>/newsnotify! while no feed runs.
 */
export const FEED_SITE = "newsnotify!";

/** The newsfeeds entry documented for it (site name, the groups, the flags above). */
export function feedEntry(command: string, patterns = "*", site = FEED_SITE): string {
  return `${site}:${patterns}:${FEED_FLAGS}:${command}`;
}

/** One line of innd's channel (or of its spool file) decoded. */
export type FeedLine =
  | { kind: "stored"; event: SourceEvent & { kind: "stored" } }
  /** A token of a method with no article (trash, TOKEN_EMPTY): nothing to notify, nothing to say. */
  | { kind: "nothing" }
  | { kind: "bad"; why: string };

const TOKEN = /^@[0-9A-Fa-f]{36}@$/;
/** INN's Message-ID syntax is checked by innd; here only what could break a log line or a key. */
const MESSAGE_ID = /^<[\x21-\x7e]{1,996}>$/;

/**
 * Pure: one `Wnm` line (without its newline) → a stored-article event, the uprobe source's shape.
 * `pid` is innd's (the feed's parent).
 */
export function decodeFeedLine(line: string, pid: number): FeedLine {
  const text = line.endsWith("\r") ? line.slice(0, -1) : line;
  const fields = text.split(" ");
  if (fields.length !== 2) {
    return { kind: "bad", why: `expected "<token> <message-id>" (W flags nm), got ${show(text)}` };
  }
  const [token, messageId] = fields as [string, string];
  if (!TOKEN.test(token)) return { kind: "bad", why: `not an INN token: ${show(token)}` };
  if (!MESSAGE_ID.test(messageId))
    return { kind: "bad", why: `not a Message-ID: ${show(messageId)}` };
  const [ev] = storedEvents(
    {
      kind: "stored",
      probe: "InndHisWrite",
      pid,
      tid: pid,
      ns: 0n,
      token: token.toUpperCase(),
      messageId,
    },
    Number.POSITIVE_INFINITY,
  );
  return ev?.kind === "stored" ? { kind: "stored", event: ev } : { kind: "nothing" };
}

/** A Wnm line is at most 38 + 1 + 998 bytes: anything longer is not one of innd's. */
export const MAX_LINE = 2048;

/**
 * Pure: innd's byte stream → whole lines (latin1, so no byte is changed), the start of the next
 * line kept until its newline comes. A run of more than MAX_LINE bytes without a newline is dropped
 * up to its newline and counted, so that no input makes memory grow.
 */
export class FeedLines {
  #tail: Buffer = Buffer.alloc(0);
  #overlong = false;

  push(chunk: Buffer): { lines: string[]; overlong: number } {
    const data = this.#tail.length > 0 ? Buffer.concat([this.#tail, chunk]) : chunk;
    const lines: string[] = [];
    let overlong = 0;
    let start = 0;
    for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
      if (this.#overlong) {
        this.#overlong = false;
      } else if (nl - start > MAX_LINE) {
        overlong++;
      } else {
        lines.push(data.toString("latin1", start, nl));
      }
      start = nl + 1;
    }
    let rest = data.subarray(start);
    if (rest.length > MAX_LINE) {
      if (!this.#overlong) overlong++;
      this.#overlong = true;
      rest = Buffer.alloc(0);
    }
    this.#tail = Buffer.from(rest);
    return { lines, overlong };
  }

  /** The start of a line not yet ended (what the inbox keeps when it is emptied). */
  get tail(): Buffer {
    return this.#overlong ? Buffer.alloc(0) : this.#tail;
  }
}

/** At most 80 characters of untrusted input, every byte printable, for one log line. */
function show(s: string): string {
  const cut = s.length > 80 ? `${s.slice(0, 80)}…` : s;
  return JSON.stringify(cut);
}

/**
 * In the source registry for its name (the config, doctor, the docs) but never chosen by `watch`:
 * innd starts it, so it has no program and its check says how to set it up.
 */
export const feed: Source<"feed"> = {
  name: "feed",
  summary: `innd's channel feed (newsfeeds ${FEED_FLAGS}): innd runs \`newsnotify feed\` as news; no root, no bpftrace`,
  sees: ["tradspool", "timehash", "timecaf", "cnfs"],
  check: () => ({
    ok: false,
    reason: `innd runs it, not watch: a newsfeeds entry ${feedEntry("/usr/bin/newsnotify feed")} (see docs/feed.md)`,
  }),
  program() {
    throw new UserError(
      "the feed source is run by innd, not by watch: add a newsfeeds entry " +
        `${feedEntry("/usr/bin/newsnotify feed")} and run ctlinnd reload newsfeeds (docs/feed.md)`,
      EXIT.usage,
    );
  },
  decoder: (): Decoder => ({
    push: (r) => [{ kind: "problem", text: `the feed source reads innd's lines, not ${r.kind}` }],
    flush: () => [],
  }),
};
