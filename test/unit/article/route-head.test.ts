import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseHeadersOnly, parseHeadForRoute } from "../../../src/article/parse.js";
import { compileGate } from "../../../src/notify/route.js";

// Every article a real innd stored (fixtures/articles): the routing head reads as the header parse
// does in every field a route reads; From and Subject only when asked; the rest left empty.
const dir = new URL("../../../fixtures/articles/", import.meta.url);
const names = readdirSync(dir).filter((n) => n.endsWith(".wire"));
const opts = { path: "/spool/x/1", group: "x", number: 1, bytes: 12345 };
const BOTH = { from: true, subject: true };
const NEITHER = { from: false, subject: false };

describe("parseHeadForRoute", () => {
  it("finds the fixtures", () => expect(names.length).toBeGreaterThan(15));

  it.each(names)("%s: the routed fields as parseHeadersOnly reads them", (name) => {
    const raw = readFileSync(new URL(name, dir));
    const ref = parseHeadersOnly(raw, opts);
    const routed = {
      messageId: ref.messageId,
      newsgroups: ref.newsgroups,
      xref: ref.xref,
      control: ref.control,
      group: ref.group,
      number: ref.number,
      path: ref.path,
      bytes: ref.bytes,
      truncated: ref.truncated,
      token: ref.token,
      snippet: "",
    };
    expect(parseHeadForRoute(raw, opts, BOTH)).toMatchObject({
      ...routed,
      from: ref.from,
      subject: ref.subject,
    });
    expect(parseHeadForRoute(raw, opts, NEITHER)).toEqual({
      ...routed,
      from: { name: "", address: "" },
      subject: "",
      date: null,
      references: [],
      organization: null,
      userAgent: null,
      truncatedFields: expect.any(Array),
    });
  });

  it.each([
    [{ from: true, subject: false }, { name: "Alice Example", address: "alice@example.net" }, ""],
    [{ from: false, subject: true }, { name: "", address: "" }, "Re: Plain ASCII article"],
  ])("plain.wire with reads %o: from %o, subject %o", (reads, from, subject) => {
    const head = parseHeadForRoute(readFileSync(new URL("plain.wire", dir)), opts, reads);
    expect(head.from).toEqual(from);
    expect(head.subject).toBe(subject);
  });

  it("throws as parseHeadersOnly does on a header without a Message-ID", () => {
    const raw = Buffer.from("From: a@b\r\nNewsgroups: x\r\n\r\nbody\r\n.\r\n");
    expect(() => parseHeadForRoute(raw, opts, BOTH)).toThrow(/no Message-ID/);
    expect(() => parseHeadersOnly(raw, opts)).toThrow(/no Message-ID/);
  });
});

describe("a routing head as the gate reads it (gate.reads → parseHeadForRoute → gate.takes)", () => {
  const raw = readFileSync(new URL("plain.wire", dir));
  const group = parseHeadersOnly(raw, opts).newsgroups[0] as string;
  it.each([
    ["From filter that matches", { groups: group, from: "alice@example" }, true],
    ["From filter that does not", { groups: group, from: "bob@" }, false],
    ["Subject filter that matches", { groups: group, subject: "/^Re: plain/i" }, true],
    ["Subject filter that does not", { groups: group, subject: "nothing" }, false],
    ["groups alone", { groups: group }, true],
  ])("%s", (_name, route, taken) => {
    const gate = compileGate([route]);
    expect(gate.takes(parseHeadForRoute(raw, opts, gate.reads))).toBe(taken);
  });
});
