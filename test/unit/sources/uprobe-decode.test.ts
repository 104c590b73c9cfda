import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseLine } from "../../../src/sources/protocol.js";
import type { Decoder, SourceEvent } from "../../../src/sources/source.js";
import {
  isCut,
  parseStoredPrintf,
  type StoredRecord,
  storedEvents,
  uprobeDecoder,
} from "../../../src/sources/uprobe-decode.js";

const fixture = (p: string) =>
  readFileSync(new URL(`../../../fixtures/${p}`, import.meta.url), "utf8");

/** What the real innd stored while the programs were attached (scripts/capture-storage-fixtures.sh). */
const captured = fixture("tokens/tokens.tsv")
  .trim()
  .split("\n")
  .slice(1)
  .map((l) => l.split("\t"))
  .map(([name, , messageId, token]) => ({ name, messageId: messageId ?? "", token: token ?? "" }));

/** A captured run through today's protocol.ts and the decoder, as the flow will do it. */
function decode(file: string): SourceEvent[] {
  const d = uprobeDecoder(200);
  const out: SourceEvent[] = [];
  for (const line of fixture(`trace/${file}`).split("\n")) {
    const r = parseLine(line);
    if (r) out.push(...d.push(r));
  }
  return [...out, ...d.flush()];
}

/** Or with the records parsed directly (once protocol.ts calls parseStoredPrintf). */
function decodeDirect(file: string): SourceEvent[] {
  const d = uprobeDecoder(200);
  return fixture(`trace/${file}`)
    .split("\n")
    .filter((l) => l.includes('"printf"'))
    .flatMap((l) => {
      const r = parseStoredPrintf((JSON.parse(l) as { data: string }).data);
      if (r?.kind !== "stored") throw new Error(`not parsed: ${l}`);
      return d.push(r);
    });
}

describe("uprobe on InndHisWrite: the real innd's output", () => {
  const want = captured
    .filter((c) => c.messageId.startsWith("<uprobe."))
    .map((c) => ({
      kind: "stored",
      // the 245-byte Message-ID was cut by str() at 199 bytes: left for the article to tell
      messageId: c.name === "long-message-id" ? "" : c.messageId,
      token: c.token,
      pid: 24481,
    }));

  it("one stored event per article, with grephistory's token and the Message-ID", () => {
    expect(want).toHaveLength(9);
    expect(decode("uprobe-innd.jsonl")).toEqual(want);
    expect(decodeDirect("uprobe-innd.jsonl")).toEqual(want);
  });

  it("keeps a Message-ID with quotes, braces, $ & = ? ^ ~ intact", () => {
    const odd = decode("uprobe-innd.jsonl").find(
      (e) => e.kind === "stored" && e.messageId.includes("{o}"),
    );
    expect(odd).toMatchObject({
      messageId: expect.stringMatching(/^<uprobe\.q'u\{o\}t\|e\.\$&=\?\^~\./),
    });
  });
});

describe("uretprobe on SMstore: the real innd's output", () => {
  it("one stored event per article, the token only", () => {
    const want = captured
      .filter((c) => c.messageId.startsWith("<smstore."))
      .map((c) => ({ kind: "stored", messageId: "", token: c.token, pid: 24481 }));
    expect(want).toHaveLength(9);
    expect(decode("smstore-innd.jsonl")).toEqual(want);
    expect(decodeDirect("smstore-innd.jsonl")).toEqual(want);
  });
});

describe("parseStoredPrintf", () => {
  const T =
    "\\x03\\x03\\x4e\\x4e\\x45\\x32\\x45\\x00\\x00\\x00\\x00\\x00\\x00\\x04\\x00\\x00\\x00\\x01";
  it.each([
    [
      `U 1 2 3 ${T} <a b@c>\n`,
      { token: "@03034E4E4532450000000000000400000001@", messageId: "<a b@c>" },
    ],
    [`U 1 2 3 ${T} \n`, { messageId: "" }],
    [`U 1 2 3 ${T} <x>\n<y>\n`, { messageId: "<x>\n<y>" }],
    [
      `T 1 2 3 03034e4e4532450000000000000400000001\n`,
      { token: "@03034E4E4532450000000000000400000001@", messageId: null },
    ],
  ])("%j", (line, want) => {
    expect(parseStoredPrintf(line)).toMatchObject({ kind: "stored", ...want });
  });

  it.each(["U 1 2 3 \\x03\\x03 <a@b>", `U 1 2 3 ${T}\\x00 <a@b>`, "T 1 2 3 zz"])(
    "no 18-byte token: %j",
    (line) => {
      expect(parseStoredPrintf(line)).toMatchObject({ kind: "bad" });
    },
  );

  it.each(["O 1 2 3 -100 193 32 /x", "H 5", "U x 2 3 t m", ""])("not ours: %j", (line) => {
    expect(parseStoredPrintf(line)).toBeNull();
  });
});

describe("storedEvents", () => {
  const rec = (token: string, messageId: string | null): StoredRecord => ({
    kind: "stored",
    probe: "InndHisWrite",
    pid: 1,
    tid: 1,
    ns: 0n,
    token,
    messageId,
  });
  it("drops trash and empty tokens (nothing stored to read)", () => {
    expect(storedEvents(rec(`@00${"0".repeat(34)}@`, "<a@b>"), 200)).toEqual([]);
    expect(storedEvents(rec(`@FF${"0".repeat(34)}@`, "<a@b>"), 200)).toEqual([]);
  });
  it("passes other types on: storage/ says which it can read", () => {
    expect(storedEvents(rec(`@07${"0".repeat(34)}@`, "<a@b>"), 200)).toEqual([
      { kind: "stored", messageId: "<a@b>", token: `@07${"0".repeat(34)}@`, pid: 1 },
    ]);
  });
  it.each([
    ["<a@b>", 200, false],
    ["<a@b", 200, true],
    [`<${"x".repeat(197)}>`, 200, true],
    [`<${"x".repeat(196)}>`, 200, false],
    [`<${"x".repeat(240)}>`, 1024, false],
  ])("isCut(%j, %d) = %s", (id, strlen, cut) => {
    expect(isCut(id, strlen)).toBe(cut);
  });
});

describe("uprobeDecoder", () => {
  it("is a Decoder", () => {
    const d: Decoder = uprobeDecoder(200);
    expect(d.flush()).toEqual([]);
  });

  it("lost events, heartbeats and bpftrace's own messages", () => {
    const d = uprobeDecoder(200);
    expect(d.push({ kind: "lost", count: 3 })).toEqual([{ kind: "lost", count: 3 }]);
    expect(d.push({ kind: "heartbeat" })).toEqual([]);
    expect(d.push({ kind: "attached", probes: 2 })).toEqual([]);
    expect(d.push({ kind: "message", text: "WARNING: x" })).toEqual([
      { kind: "problem", text: "WARNING: x" },
    ]);
    expect(d.push(parseLine('{"type": "printf", "data": "U 1 2 3 zz <a@b>\\n"}') as never)).toEqual(
      [{ kind: "problem", text: expect.stringMatching(/no 18-byte token/) }],
    );
  });
});
