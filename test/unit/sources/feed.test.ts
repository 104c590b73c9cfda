import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  decodeFeedLine,
  FEED_FLAGS,
  FeedLines,
  feed,
  feedEntry,
  MAX_LINE,
} from "../../../src/sources/feed.js";
import { storedEvents } from "../../../src/sources/uprobe-decode.js";

/** Tokens and Message-IDs the real innd stored, one per storage method (the uprobe fixtures). */
const captured = readFileSync(
  new URL("../../../fixtures/tokens/tokens.tsv", import.meta.url),
  "utf8",
)
  .trim()
  .split("\n")
  .slice(1)
  .map((l) => l.split("\t"))
  .map(([name, , messageId, token]) => ({ name, messageId: messageId ?? "", token: token ?? "" }));

const TH = "@02016B0F4680000000000000000000000000@";
const ID = "<a.1@example.net>";

describe("decodeFeedLine: one Wnm line → the uprobe source's stored-article event", () => {
  // With the Message-ID whole: innd writes it all, where the probe's str() may cut a long one.
  it.each(captured)("$name: the line innd writes gives the event the uprobe gives", (c) => {
    const fromUprobe = storedEvents(
      { kind: "stored", probe: "InndHisWrite", pid: 7, tid: 7, ns: 0n, ...c },
      Number.POSITIVE_INFINITY,
    );
    expect(decodeFeedLine(`${c.token} ${c.messageId}`, 7)).toEqual({
      kind: "stored",
      event: fromUprobe[0],
    });
  });

  it.each([
    ["lower-case hex is INN's token too", `${TH.toLowerCase()} ${ID}`, "stored"],
    ["a CR before the newline (a spool file edited on Windows)", `${TH} ${ID}\r`, "stored"],
    ["trash (type 00): stored nowhere", `@00000000000000000000000000000000000@ ${ID}`, "bad"],
    ["trash, 36 digits", `@000000000000000000000000000000000000@ ${ID}`, "nothing"],
    ["TOKEN_EMPTY (type FF)", `@FF0000000000000000000000000000000000@ ${ID}`, "nothing"],
    ["empty line", "", "bad"],
    ["only a token (Wn)", TH, "bad"],
    ["three fields (Wnmt)", `${TH} ${ID} 1796163200`, "bad"],
    ["fields the other way round (Wmn)", `${ID} ${TH}`, "bad"],
    ["two spaces", `${TH}  ${ID}`, "bad"],
    ["a token too short", `@02016B0F46@ ${ID}`, "bad"],
    ["a token with no @", `02016B0F4680000000000000000000000000 ${ID}`, "bad"],
    ["a Message-ID with no brackets", `${TH} a.1@example.net`, "bad"],
    ["a Message-ID with a control byte", `${TH} <a\x01b@example.net>`, "bad"],
    ["a Message-ID that is only brackets", `${TH} <>`, "bad"],
    ["a control line of an exploder", "!flush newsnotify", "bad"],
  ])("%s", (_why, line, kind) => {
    expect(decodeFeedLine(line, 1).kind).toBe(kind);
  });

  it("upper-cases the token, as the uprobe source prints it", () => {
    const got = decodeFeedLine(`${TH.toLowerCase()} ${ID}`, 3);
    expect(got).toEqual({
      kind: "stored",
      event: { kind: "stored", token: TH, messageId: ID, pid: 3 },
    });
  });

  it("a bad line's reason quotes at most 80 characters of it", () => {
    const got = decodeFeedLine(`x${"y".repeat(10_000)} z`, 1);
    expect(got.kind).toBe("bad");
    if (got.kind !== "bad") throw new Error("unreachable");
    expect(got.why.length).toBeLessThan(200);
  });
});

describe("the feed source's registry entry", () => {
  it("is never chosen by watch: its check says how innd runs it", () => {
    const c = feed.check({} as never);
    expect(c.ok).toBe(false);
    expect(c.reason).toContain(feedEntry("/usr/bin/newsnotify feed"));
    expect(() => feed.program({} as never)).toThrow(/newsfeeds entry/);
  });

  it("the documented entry is a channel feed with the token and the Message-ID", () => {
    expect(FEED_FLAGS).toBe("Tc,Wnm");
    expect(feedEntry("/usr/bin/newsnotify feed", "local.*,!local.junk")).toBe(
      "newsnotify!:local.*,!local.junk:Tc,Wnm:/usr/bin/newsnotify feed",
    );
  });
});

describe("FeedLines: innd's byte stream → lines", () => {
  const long = "x".repeat(MAX_LINE + 1);
  it.each([
    ["one line", ["a b\n"], ["a b"], 0, ""],
    ["a line cut across two reads", ["a ", "b\nc"], ["a b"], 0, "c"],
    ["many lines in one read", ["a\nb\nc\n"], ["a", "b", "c"], 0, ""],
    ["an empty line stays a line (decoded as bad)", ["\n"], [""], 0, ""],
    ["a line over MAX_LINE in one read: dropped, counted", [`${long}\nok\n`], ["ok"], 1, ""],
    [
      "a run over MAX_LINE with no newline yet: dropped up to its newline",
      [long, "yyy\nok\n"],
      ["ok"],
      1,
      "",
    ],
    [
      "a line of exactly MAX_LINE bytes is kept",
      [`${"x".repeat(MAX_LINE)}\n`],
      ["x".repeat(MAX_LINE)],
      0,
      "",
    ],
    [
      "bytes above 127 are kept as they are (latin1)",
      [Buffer.from([0xe9, 0x0a])],
      ["\u00e9"],
      0,
      "",
    ],
  ])("%s", (_why, reads, lines, overlong, tail) => {
    const f = new FeedLines();
    const got = { lines: [] as string[], overlong: 0 };
    for (const r of reads) {
      const p = f.push(typeof r === "string" ? Buffer.from(r, "latin1") : r);
      got.lines.push(...p.lines);
      got.overlong += p.overlong;
    }
    expect(got).toEqual({ lines, overlong });
    expect(f.tail.toString("latin1")).toBe(tail);
  });
});
