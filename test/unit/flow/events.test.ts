/**
 * ArticleFlow, one row per case and event kind (file, partial, stored, lost, problem): what is
 * delivered, what is logged, what catch-up counts as handled, and which hooks fire.
 */
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ArticleFlow } from "../../../src/flow/pipeline.js";
import { compileGate, type RouteOptions } from "../../../src/notify/route.js";
import type { SourceEvent } from "../../../src/sources/source.js";

const INND = 100;
/** tradspool.map's numbers in these tests. */
const MAP: Record<number, string> = { 1: "local.test", 2: "alt.binaries.x" };

/** INN's tradspool token: type 05, class 00, group number and article number big-endian, zeros. */
const token = (group: number, article: number) =>
  `@0500${group.toString(16).padStart(8, "0")}${article.toString(16).padStart(8, "0")}${"0".repeat(16)}@`.toUpperCase();

const art = (id: string, groups: string, xref: string, extra = "") =>
  `Message-ID: <${id}@x>\r\nNewsgroups: ${groups}\r\nFrom: a@x\r\nSubject: s\r\n` +
  `Xref: host ${xref}\r\n${extra}\r\nbody of ${id}\r\n.\r\n`;

/** Real CNFS tokens (fixtures/tokens/tokens.tsv): no file; read through INN's sm. */
const CNFS_A = "@03034E4E4532450000000000000400000001@";
const CNFS_B = "@03034E4E4532450000000000000500000001@";

/** Spool files by path under the spool ("local/test/1"), and symlinks ("@" + target). */
type Files = Record<string, string>;

interface Case {
  name: string;
  files?: Files;
  /** Articles by token for the token reader (INN's sm) of token-only methods. */
  tokens?: Record<string, string>;
  /** The active file's groups (for partial events). */
  active?: string[];
  /** Notifiers' routes (a narrow subscription); default none (every article read whole). */
  routes?: RouteOptions[];
  /** "$" in a path or token stands for the spool. */
  events: SourceEvent[];
  delivered: string[];
  logs?: string[];
  /** group:number pairs catch-up must count as handled afterwards. */
  handled?: string[];
  lost?: number;
  shortfalls?: number;
}

const file = (...paths: string[]): SourceEvent => ({ kind: "file", paths, pid: INND });

const CASES: Case[] = [
  {
    name: "file: an article",
    files: { "local/test/1": art("a", "local.test", "local.test:1") },
    events: [file("$/local/test/1")],
    delivered: ["<a@x>"],
    handled: ["local.test:1"],
  },
  {
    name: "file: a crosspost (its file and its link both reported): once",
    files: {
      "local/test/2": art("c", "local.test,local.other", "local.test:2 local.other:5"),
      "local/other/5": art("c", "local.test,local.other", "local.test:2 local.other:5"),
    },
    events: [file("$/local/test/2"), file("$/local/other/5")],
    delivered: ["<c@x>"],
    handled: ["local.test:2", "local.other:5"],
  },
  {
    name: "file: a duplicate Message-ID in two files: delivered once",
    files: {
      "local/test/3": art("dup", "local.test", "local.test:3"),
      "local/test/4": art("dup", "local.test", "local.test:4"),
    },
    events: [file("$/local/test/3"), file("$/local/test/4")],
    delivered: ["<dup@x>"],
    handled: ["local.test:3", "local.test:4"],
  },
  {
    name: "file: another innd's pid: ignored, named once",
    files: { "local/test/1": art("a", "local.test", "local.test:1") },
    events: [
      { kind: "file", paths: ["$/local/test/1"], pid: 666 },
      { kind: "file", paths: ["$/local/test/1"], pid: 666 },
    ],
    delivered: [],
    logs: [
      "warn ignoring articles stored by innd pid 666: not this INN's innd (another instance?)",
    ],
  },
  {
    name: "file: outside the spool (history, overview): nothing, silently",
    events: [file("/var/lib/news/history")],
    delivered: [],
  },
  {
    name: "file: unreadable (a symlink out of the spool)",
    files: { "local/test/9": "@/etc/passwd" },
    events: [file("$/local/test/9")],
    delivered: [],
    logs: [
      "warn $/local/test/9: not read: is a symbolic link; not followed (only files inside the spool are read)",
    ],
  },
  {
    name: "file: unparsable (no Message-ID)",
    files: { "local/test/5": "Newsgroups: local.test\r\nSubject: s\r\n\r\nbody\r\n.\r\n" },
    events: [file("$/local/test/5")],
    delivered: [],
    logs: ["warn $/local/test/5: unparsable article: no Message-ID header"],
  },
  {
    name: "file: unwanted (narrow subscription): not delivered, handled, nothing logged",
    files: { "alt/binaries/x/1": art("u", "alt.binaries.x", "alt.binaries.x:1") },
    routes: [{ groups: "local.*" }],
    events: [file("$/alt/binaries/x/1")],
    delivered: [],
    handled: ["alt.binaries.x:1"],
  },
  {
    name: "file: unparsable when routed from its header (narrow subscription)",
    files: { "alt/binaries/x/2": "Newsgroups: local.test\r\n\r\nbody\r\n.\r\n" },
    routes: [{ groups: "local.*" }],
    events: [file("$/alt/binaries/x/2")],
    delivered: [],
    logs: ["warn $/alt/binaries/x/2: unparsable article: no Message-ID header"],
  },
  {
    name: "file: header only (no empty line), routed by it and said",
    files: { "alt/binaries/x/3": "Message-ID: <h@x>\r\nNewsgroups: alt.binaries.x,local.test\r\n" },
    routes: [{ groups: "local.*" }],
    events: [file("$/alt/binaries/x/3")],
    delivered: ["<h@x>"],
    logs: [
      "warn $/alt/binaries/x/3: no empty line ends the header in it (bound 65536); routed by the header as read",
    ],
  },
  {
    name: "partial: recovered from the active file",
    files: { "local/test/7": art("p", "local.test", "local.test:7") },
    active: ["local.test"],
    events: [{ kind: "partial", segments: ["test", "7"] }],
    delivered: ["<p@x>"],
    logs: [
      "warn path walk ran out of depth at …/test/7; recovered $/local/test/7 from the active file",
    ],
    shortfalls: 1,
  },
  {
    name: "partial: no unique group: skipped, said",
    active: ["local.test", "other.test"],
    events: [{ kind: "partial", segments: ["test", "7"] }],
    delivered: [],
    logs: ["warn path walk ran out of depth at …/test/7; no unique group matches, skipped"],
    shortfalls: 1,
  },
  {
    name: "partial: not an article (an overview file): no log, depth raised",
    events: [{ kind: "partial", segments: ["test", ".overview"] }],
    delivered: [],
    shortfalls: 1,
  },
  {
    name: "stored: a tradspool token",
    files: { "local/test/8": art("s", "local.test", "local.test:8") },
    events: [{ kind: "stored", messageId: "<s@x>", token: token(1, 8), pid: INND }],
    delivered: ["<s@x>"],
    handled: ["local.test:8"],
  },
  {
    name: "stored: a Message-ID already handled is not read again",
    files: { "local/test/1": art("a", "local.test", "local.test:1") },
    events: [
      file("$/local/test/1"),
      { kind: "stored", messageId: "<a@x>", token: token(1, 99), pid: INND },
    ],
    delivered: ["<a@x>"],
  },
  {
    name: "stored: another innd's pid",
    files: { "local/test/8": art("s", "local.test", "local.test:8") },
    events: [{ kind: "stored", messageId: "<s@x>", token: token(1, 8), pid: 666 }],
    delivered: [],
    logs: [
      "warn ignoring articles stored by innd pid 666: not this INN's innd (another instance?)",
    ],
  },
  {
    name: "stored: a group number tradspool.map does not have",
    events: [{ kind: "stored", messageId: "<n@x>", token: token(7, 1), pid: INND }],
    delivered: [],
    logs: [
      `warn stored article <n@x>: tradspool token ${token(7, 1)}: group number 7 is not in tradspool.map`,
    ],
  },
  {
    name: "stored: unwanted, routed from its header",
    files: { "alt/binaries/x/4": art("su", "alt.binaries.x", "alt.binaries.x:4") },
    routes: [{ groups: "local.*" }],
    events: [{ kind: "stored", messageId: "<su@x>", token: token(2, 4), pid: INND }],
    delivered: [],
    handled: ["alt.binaries.x:4"],
  },
  {
    name: "stored: token only (CNFS), read through sm: group and number from the Xref",
    tokens: { [CNFS_A]: art("cn", "cn.test", "cn.test:3") },
    events: [{ kind: "stored", messageId: "<cn@x>", token: CNFS_A, pid: INND }],
    delivered: ["<cn@x>"],
    handled: ["cn.test:3"],
  },
  {
    name: "stored: token only, unwanted: routed from its header, not delivered",
    tokens: { [CNFS_B]: art("cnu", "cn.test", "cn.test:4") },
    routes: [{ groups: "local.*" }],
    events: [{ kind: "stored", messageId: "<cnu@x>", token: CNFS_B, pid: INND }],
    delivered: [],
    handled: ["cn.test:4"],
  },
  {
    name: "stored: token only, sm cannot read it",
    events: [{ kind: "stored", messageId: "<gone@x>", token: CNFS_A, pid: INND }],
    delivered: [],
    logs: [`warn ${CNFS_A}: not read: sm: no such article`],
  },
  {
    name: "lost: counted, logged, reconciled",
    events: [{ kind: "lost", count: 3 }],
    delivered: [],
    logs: ["warn bpftrace lost 3 events; reconciling with the spool"],
    lost: 3,
  },
  {
    name: "problem: one log line",
    events: [{ kind: "problem", text: "walk broken at depth 9" }],
    delivered: [],
    logs: ["warn walk broken at depth 9"],
  },
];

describe("ArticleFlow, per event kind", () => {
  it.each(CASES)("$name", async (c) => {
    const spool = realpathSync(mkdtempSync(join(tmpdir(), "newsnotify-events-")));
    const at = (s: string) => s.replaceAll("$", spool);
    for (const [rel, text] of Object.entries(c.files ?? {})) {
      const path = join(spool, rel);
      mkdirSync(join(path, ".."), { recursive: true });
      if (text.startsWith("@")) symlinkSync(text.slice(1), path);
      else writeFileSync(path, text, "latin1");
    }
    const activeFile = join(spool, "active");
    writeFileSync(
      activeFile,
      (c.active ?? []).map((g) => `${g} 0000000009 0000000001 y\n`).join(""),
    );
    const delivered: string[] = [];
    const logs: string[] = [];
    let lost = 0;
    let reconciled = 0;
    let shortfalls = 0;
    const flow = new ArticleFlow({
      spool,
      storage: {
        spool,
        tradspoolGroups: { group: async (n) => MAP[n] ?? null },
        tokenReader: {
          article: async (t) => {
            const text = c.tokens?.[t];
            if (text === undefined) throw new Error("sm: no such article");
            return Buffer.from(text, "latin1");
          },
        },
      },
      activeFile,
      read: { maxBytes: 1 << 20, timeoutMs: 500 },
      snippetChars: 100,
      ...(c.routes ? { route: compileGate(c.routes) } : {}),
      log: (level, message) => logs.push(`${level} ${message}`),
      deliver: (a) => {
        delivered.push(a.messageId);
      },
      onLost: () => reconciled++,
      onShortfall: () => shortfalls++,
      ownInnd: async (pid) => pid === INND,
      stats: { seen: () => {}, lost: (n) => (lost += n) },
    });
    for (const ev of c.events) {
      const real: SourceEvent = ev.kind === "file" ? { ...ev, paths: ev.paths.map(at) } : ev;
      await flow.handle(real);
    }
    expect(delivered).toEqual(c.delivered);
    expect(logs).toEqual((c.logs ?? []).map(at));
    for (const pair of c.handled ?? []) {
      const [group, number] = pair.split(":");
      expect(flow.seen(group as string, Number(number)), pair).toBe(true);
    }
    expect({ lost, reconciled, shortfalls }).toEqual({
      lost: c.lost ?? 0,
      reconciled: c.lost ? 1 : 0,
      shortfalls: c.shortfalls ?? 0,
    });
  });
});
