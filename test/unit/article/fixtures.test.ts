import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Article } from "../../../src/article/article.js";
import { parseArticle } from "../../../src/article/parse.js";

// Stored by a real innd (scripts/capture-fixtures.sh); captured.tsv says where each was filed.
const dir = new URL("../../../fixtures/articles/", import.meta.url);
const filed = new Map(
  readFileSync(new URL("captured.tsv", dir), "latin1")
    .trim()
    .split("\n")
    .slice(1)
    .map((line) => line.split("\t"))
    .map(([name = "", group = "", number = ""]) => [name, { group, number: Number(number) }]),
);

const INN_ORG = "A poorly-installed InterNetNews site"; // nnrpd adds it when the poster gives none

type Expected = Partial<Article> & { xrefGroups?: string[] };

const table: [name: string, expected: Expected][] = [
  [
    "plain",
    {
      from: { name: "Alice Example", address: "alice@example.net" },
      subject: "Re: Plain ASCII article",
      references: ["<root.1@example.net>", "<reply.2@example.net>"],
      organization: "Example Org",
      userAgent: "newsnotify-fixtures/1.0",
      snippet:
        "Bob Example wrote:\n> Is this thing on?\n\nYes, it is.  This is a plain ASCII article, no MIME headers at all.\n\n-- \nAlice",
    },
  ],
  [
    "subject-utf8-b",
    {
      from: { name: "Jörg Müller", address: "joerg@example.net" },
      subject: "Grüße aus Köln — 日本語テスト",
      snippet: "Grüße aus Köln, with an RFC 2047 subject in two B-encoded words.",
    },
  ],
  [
    "subject-latin1-q",
    {
      from: { name: "François Dupré", address: "francois@example.fr" },
      subject: "Café crème et crêpes for everyone",
    },
  ],
  [
    "subject-raw-utf8",
    {
      from: { name: "Zoë Raw", address: "zoe@example.net" },
      subject: "Grüße 🎉 raw UTF-8 subject",
      snippet: "Raw UTF-8 body, no charset declared: naïve café 🎉",
    },
  ],
  [
    "raw-latin1-header",
    {
      from: { name: "François Peer", address: "fp@example.org" },
      subject: "Café “raw” latin1 header from a peer",
      snippet: "Déjà vu: 8-bit body, no charset declared.",
      organization: null,
    },
  ],
  ["multipart-alternative", { snippet: "Plain part wins.\nSecond line." }],
  ["multipart-mixed-attachment", { snippet: "See the attached file, chère collègue." }],
  ["html-only", { snippet: "HTML only\nFish & chips <3 — café, folded text\nSecond\nline" }],
  [
    "qp-latin1",
    {
      snippet:
        "Voilà un texte en Latin-1 : été, garçon, naïve. \nUne ligne très longue coupée par un saut de ligne doux qui continue ici.\nLe signe = est encodé.",
    },
  ],
  [
    "base64-utf8",
    { snippet: "Base64 body in UTF-8: Ελληνικά, русский, 中文, emoji 🎉.\nSecond line." },
  ],
  [
    "windows-1252",
    { snippet: "“Smart quotes” and ‘single’, an em dash — and a euro sign € 5.\nCafé." },
  ],
  ["koi8-r", { from: { name: "Привет", address: "ivan@example.ru" }, subject: "Привет, мир" }],
  ["iso-2022-jp", { subject: "テスト投稿", snippet: "こんにちは、世界。" }],
  ["dot-stuffing", { snippet: ".leading dot\n..two dots\n.\n...\n . space then dot\nend" }],
  [
    "crosspost",
    { newsgroups: ["local.test", "local.general"], xrefGroups: ["local.test", "local.general"] },
  ],
  ["deep-group", { newsgroups: ["a.b.c.d.e.f.g.h.i"], snippet: "Filed at a/b/c/d/e/f/g/h/i/<n>." }],
  [
    "long-body",
    {
      // 299 units, then an emoji whose surrogate pair straddles the default 300-unit cut.
      snippet: `${Array.from({ length: 5 }, (_, i) => `Line 0${i + 1}: the quick brown fox jumps over the lazy dog.\n`).join("")}Line 06: the quick bxxxxxxxxx`,
    },
  ],
  [
    "old-style-from",
    {
      from: { name: "Old Timer", address: "oldtimer@example.edu" },
      snippet: "From: user@host (Real Name), and a Date with the obsolete zone name GMT.",
    },
  ],
  [
    "hostile",
    {
      from: { name: "@here *bold* <script>", address: "mallory@example.net" },
      subject: "<!channel> @everyone <http://evil|click>",
      snippet:
        "<script>alert('xss')</script>\n<!channel> <@U024BE7LH> [click](http://evil) `code` **bold** @everyone\n&amp; &lt;not-decoded&gt;",
    },
  ],
  [
    "control-cancel",
    {
      control: expect.stringMatching(
        /^cancel <never-posted\.[\d.]+@fixtures\.newsnotify\.invalid>$/,
      ),
      xrefGroups: ["control.cancel"],
    },
  ],
];

describe("parseArticle on articles stored by innd", () => {
  it("covers every captured fixture", () => {
    expect(table.map(([name]) => name).sort()).toEqual([...filed.keys()].sort());
  });

  it.each(table)("%s", (name, { xrefGroups, ...expected }) => {
    const raw = readFileSync(new URL(`${name}.wire`, dir));
    const where = filed.get(name) ?? { group: "", number: 0 };
    const path = `/var/spool/news/articles/${where.group.replaceAll(".", "/")}/${where.number}`;
    const article = parseArticle(raw, { path, ...where });

    expect(article).toMatchObject({
      messageId: expect.stringMatching(
        new RegExp(`^<${name}\\.\\d{14}\\.\\d+@fixtures\\.newsnotify\\.invalid>$`),
      ),
      newsgroups: ["fixture.test"],
      date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/),
      path,
      group: where.group,
      number: where.number,
      references: [],
      control: null,
      organization: INN_ORG,
      userAgent: null,
      bytes: raw.length,
      truncated: false,
      ...expected,
    });
    // innd lists the file it created first in Xref; crossposts add the linked groups.
    expect(article.xref[0]).toEqual(where);
    expect(article.xref.map((x) => x.group)).toEqual(xrefGroups ?? [where.group]);
  });
});
