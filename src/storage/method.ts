import type { InnStorageMethod } from "../inn/storage-methods.js";

/**
 * Where a stored article is and how to read it: what a source event (a created path, or an INN
 * token) or a catch-up lookup (group, number) becomes before the article is read.
 */
export interface StoredRef {
  /** The method's name (registry.ts); null only for a file outside the spool (`test-hook` on a saved copy). */
  method: string | null;
  /** The article's own file; null when it has none (timecaf, CNFS: read through the token). */
  path: string | null;
  /** INN's token in text form (@…@), when known. */
  token: string | null;
  /** Group and number when the location says them (tradspool); otherwise taken from the Xref. */
  group: string | null;
  number: number | null;
}

export interface StorageContext {
  /** Real path of patharticles. */
  spool: string;
  /** tradspool.map's group numbers (innconfval pathspool), for tradspool tokens. */
  tradspoolGroups?: { group(number: number): Promise<string | null> };
  /** Reads articles that have no file of their own, by token (INN's sm, batched). */
  tokenReader?: { article(token: string): Promise<Buffer> };
  /** The local server's overview and innd's history, for catch-up beyond tradspool. */
  overview?: OverviewAccess;
  /**
   * The methods storage.conf may send a group's articles to (in storage.conf's order); catch-up
   * asks the method for (group, number) when there is one, the overview otherwise. Unset: INN's
   * default method.
   */
  methodsFor?: (group: string) => readonly InnStorageMethod[];
}

/** One storage method newsnotify reads; registry.ts keys it by its name. */
export interface StorageMethod<N extends string = string> {
  readonly name: N;
  /** INN's storage type byte in its tokens (inn/storage-methods.ts). */
  readonly tokenType: number;
  /** Whether innd creates one file per article (what file-creation sources can see). */
  readonly filePerArticle: boolean;
  /** Pure: a created file's absolute path → the stored article, or null when not one of ours. */
  fromPath?(path: string, ctx: StorageContext): StoredRef | null;
  /** A token (already known to be of this method's type) → the stored article. */
  fromToken?(token: string, ctx: StorageContext): StoredRef | Promise<StoredRef>;
  /**
   * For catch-up: the stored articles with these numbers in this group, with when each arrived;
   * numbers with no article (cancelled, expired, never filed) are left out. Without it, catch-up
   * goes through the local server's overview and innd's history (which works for every method).
   */
  byNumber?(group: string, numbers: readonly number[], ctx: StorageContext): Promise<Found[]>;
}

/** A stored article found by catch-up, and when it arrived (ms since the epoch). */
export interface Found {
  ref: StoredRef;
  arrivedMs: number;
}

/** One line of a group's overview (RFC 3977 OVER): the fields catch-up needs. */
export interface OverviewEntry {
  number: number;
  messageId: string;
  /** The Date header as ms since the epoch (NaN when unparsable). */
  dateMs: number;
}

/** What catch-up reads through the local server: a reader connection and innd's history. */
export interface OverviewAccess {
  /** The overview of `group` between low and high (only the numbers that exist). */
  over(group: string, low: number, high: number): Promise<OverviewEntry[]>;
  /** Message-ID → storage token, for those history has. */
  tokens(messageIds: readonly string[]): Promise<Map<string, string>>;
}
