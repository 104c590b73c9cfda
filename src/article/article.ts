/** A parsed news article: the one shape every notifier and route sees. Nothing here knows about bpftrace. */

export interface Mailbox {
  /** Display name, RFC 2047-decoded; "" when the header has none. */
  name: string;
  /** addr-spec, e.g. "user@example.net"; "" when unparsable. */
  address: string;
}

export interface Article {
  /** Message-ID with its angle brackets, e.g. "<abc@example.net>". */
  messageId: string;
  /** Newsgroups header, in header order. */
  newsgroups: string[];
  from: Mailbox;
  /** Subject, decoded (RFC 2047, raw UTF-8, or latin1 fallback). */
  subject: string;
  /** Date header as ISO 8601 (UTC), or null when missing or unparsable. */
  date: string | null;
  /** The article's own file (absolute), or null when its storage method keeps none (timecaf, CNFS). */
  path: string | null;
  /** Start of the decoded text body: "\n" line ends, wire format undone. */
  snippet: string;
  /** Where the created file was filed: its group and article number. */
  group: string;
  number: number;
  /** Every group:number innd filed it under (from Xref), in Xref order. */
  xref: { group: string; number: number }[];
  /** References header, in order, each with angle brackets. */
  references: string[];
  /** Control header value (e.g. "cancel <id>"), or null for an ordinary article. */
  control: string | null;
  organization: string | null;
  userAgent: string | null;
  /** Size of the stored file in bytes. */
  bytes: number;
  /** True when only the first part of a huge article was read. */
  truncated: boolean;
  /** INN's storage token in its text form (@…@), when known (always with the uprobe source). */
  token: string | null;
  /**
   * The fields cut to their bounds at parse time (see caps.ts), by their names here: "subject",
   * "from", "newsgroups", "references", "xref", "control", "organization", "userAgent"; and
   * "snippet" when the body was not read at all (a parse over its time or memory budget).
   */
  truncatedFields: string[];
  /**
   * Set on newsnotify's own notices, never on a news article: maxBacklog's summary
   * (delivery/overflow.ts), with how many were dropped since when. No route applies to it: it is
   * for the notifier whose queue made it.
   */
  notice?: { dropped: number; since: number };
}
