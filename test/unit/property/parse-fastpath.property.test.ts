/**
 * Property tests (fast-check) for parseArticle's single-part fast path: on any article it gives
 * exactly what it gave before, when every article went through emailjs-mime-parser
 * (parseArticleViaMime). FASTPATH_RUNS=20000 for a long run.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { leafText } from "../../../src/article/body.js";
import { articleLines } from "../../../src/article/lines.js";
import {
  bodyLines,
  declaredCharset,
  isAttachment,
  mediaType,
  mimeTree,
} from "../../../src/article/mime.js";
import { parseArticle, parseArticleViaMime } from "../../../src/article/parse.js";
import { leafPartOf, splitHeader } from "../../../src/article/single-part.js";
import { makeSnippet } from "../../../src/article/snippet.js";
import { looksWire, unwire } from "../../../src/article/wire.js";

const numRuns = Number(process.env.FASTPATH_RUNS ?? 500);
const timeout = 10_000 + numRuns * 3; // ms: 20,000 runs take a while

// --- pieces of articles, as "binary" strings (one char per byte) ---

const byte = fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c));
const lineChar = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(..."abc xyz.:;=-_<>/\"'\\?!&#") },
  { weight: 2, arbitrary: fc.constantFrom("\r", "\t", "\xa0", "\x0b", "\x0c") },
  { weight: 2, arbitrary: byte.filter((c) => c !== "\n") },
);
// size "max": lengths spread up to maxLength, not fast-check's default of about ten.
const junk = (maxLength: number) =>
  fc.array(lineChar, { maxLength, size: "max" }).map((chars) => chars.join(""));
const utf8 = (s: string) => Buffer.from(s, "utf8").toString("latin1");
/** Unicode text, as 1- to 4-byte UTF-8 alike, without LF (a line never has one). */
const uchar = fc.oneof(
  fc.constantFrom(..."aé€ßж日😀\t\r "),
  fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0xa0, max: 0x7ff }).map((c) => String.fromCodePoint(c)),
  fc.integer({ min: 0x800, max: 0xd7ff }).map((c) => String.fromCodePoint(c)),
  fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
);
const utext = (maxLength: number) =>
  fc.array(uchar, { maxLength, size: "max" }).map((chars) => chars.join(""));

const charset = fc.constantFrom(
  "utf-8",
  "UTF-8",
  "utf8",
  '"utf-8"',
  "us-ascii",
  "ascii",
  "iso-8859-1",
  "ISO-8859-1",
  "latin1",
  "windows-1252",
  "iso-8859-15",
  "koi8-r",
  "windows-1251",
  "windows-1258",
  "x-mac-cyrillic",
  "iso-2022-jp",
  "shift_jis",
  "euc-jp",
  "gb18030",
  "big5",
  "utf-16le",
  "utf-16",
  "x-unknown",
  "",
  "=?utf-8?q?utf-8?=",
  "binary",
);
const param = fc.oneof(
  charset.map((c) => `charset=${c}`),
  charset.map((c) => `CHARSET = ${c}`),
  fc.constantFrom(
    "format=flowed",
    "delsp=yes",
    'boundary="b"',
    "boundary=b",
    'name="=?utf-8?q?x?="',
    "charset*=utf-8''%C3%A9",
    "__proto__*=x",
    "__PROTO__*0=x",
    "constructor*=x",
    "a",
    "",
  ),
  junk(12),
);
const withParams = (main: fc.Arbitrary<string>) =>
  fc
    .tuple(main, fc.array(param, { maxLength: 3 }), fc.constantFrom(";", "; ", " ;\t"))
    .map(([m, ps, sep]) => [m, ...ps].join(sep));

const contentType = withParams(
  fc.oneof(
    {
      weight: 8,
      arbitrary: fc.constantFrom(
        "text/plain",
        "TEXT/Plain",
        " text/plain ",
        '"text/plain"',
        "text\\/plain",
        "text/html",
        "Text/HTML",
        "application/octet-stream",
        "image/png",
        "text/enriched",
        "text",
        "",
        "multipart/mixed",
        "multipart/alternative",
        "Multipart/Mixed",
        "multipart",
        "message/rfc822",
        "message/partial",
        "=?utf-8?q?text/html?=",
        "text/plain\xe9",
        "te\\xt/plain",
        '"text/pl;ain"',
      ),
    },
    { weight: 1, arbitrary: junk(15) },
  ),
);
const transferEncoding = withParams(
  fc.oneof(
    {
      weight: 8,
      arbitrary: fc.constantFrom(
        "base64",
        "BASE64",
        " base64 ",
        '"base64"',
        "quoted-printable",
        "Quoted-Printable",
        "8bit",
        "7bit",
        "binary",
        "x-uuencode",
        "",
        "=?us-ascii?q?base64?=",
        "base64\xa0",
      ),
    },
    { weight: 1, arbitrary: junk(12) },
  ),
);
const disposition = withParams(
  fc.oneof(
    {
      weight: 8,
      arbitrary: fc.constantFrom(
        "attachment",
        "ATTACHMENT",
        " attachment",
        '"attachment"',
        "inline",
        "",
        "=?utf-8?q?attachment?=",
        "attachment\xe9",
      ),
    },
    { weight: 1, arbitrary: junk(12) },
  ),
);
const messageId = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom("<a@b>", "<x.1@example.net>", "bare@id") },
  { weight: 1, arbitrary: fc.constantFrom("", "  ", "<>", "two words") },
  { weight: 1, arbitrary: junk(10) },
);
const mailbox = fc.oneof(
  fc.constantFrom(
    "Alice <alice@example.net>",
    "bob@example.net (Bob)",
    "=?utf-8?q?J=C3=B6rg?= <j@example.net>",
    "group: a@b, c@d;",
    "\xe9l\xe8ve <e@example.fr>",
    utf8("Jörg <j@example.net>"),
    "",
  ),
  junk(20),
);
const date = fc.constantFrom(
  "Tue, 24 Nov 2026 21:24:41 +0000",
  "24 Nov 2026 21:24 GMT",
  "Tue, 24 Nov 2026 21:24:41 EST (Eastern)",
  "garbage",
  "",
);
const anyText = fc.oneof(junk(30), utext(20).map(utf8));

/** Header fields: name and value (a value may be folded over several lines). */
const field = fc.oneof(
  { weight: 4, arbitrary: messageId.map((v) => ["Message-ID", v]) },
  { weight: 3, arbitrary: contentType.map((v) => ["Content-Type", v]) },
  { weight: 2, arbitrary: transferEncoding.map((v) => ["Content-Transfer-Encoding", v]) },
  { weight: 2, arbitrary: disposition.map((v) => ["Content-Disposition", v]) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom(
          "content-type",
          "CONTENT-TYPE",
          " Content-Type",
          "Content-Type\xa0",
          "Content-Type ",
          "content-transfer-encoding",
          "CONTENT-DISPOSITION",
        ),
        fc.oneof(contentType, transferEncoding, disposition),
      )
      .map(([n, v]) => [n, v]),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(fc.constantFrom("From", "Sender", "To", "Cc", "Reply-To"), mailbox),
  },
  { weight: 1, arbitrary: date.map((v) => ["Date", v]) },
  {
    weight: 3,
    arbitrary: fc.tuple(
      fc.constantFrom(
        "Subject",
        "Newsgroups",
        "References",
        "Xref",
        "Organization",
        "User-Agent",
        "X-Newsreader",
        "Control",
        "Path",
        "MIME-Version",
        "DKIM-Signature",
        "X-Foo",
      ),
      anyText,
    ),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(
      fc.constantFrom("Constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"),
      anyText,
    ),
  },
  { weight: 1, arbitrary: fc.tuple(junk(12), anyText) },
);

/** A folded field: the value cut at a few places, each continuation led by white space. */
const foldedField = fc
  .tuple(
    field,
    fc.oneof(
      { weight: 3, arbitrary: fc.constant([]) },
      { weight: 1, arbitrary: fc.array(fc.nat(), { maxLength: 3 }) },
    ),
    fc.constantFrom(" ", "\t", "  ", "\xa0", "\r", "\x0b", "\x0c"),
    fc.constantFrom(": ", ":", " : ", ":\t"),
  )
  .map(([[name, value], cuts, lead, colon]) => {
    const at = [...new Set(cuts.map((c) => c % (value.length + 1)))].sort((a, b) => a - b);
    const parts: string[] = [];
    let from = 0;
    for (const cut of at) {
      parts.push(value.slice(from, cut));
      from = cut;
    }
    parts.push(value.slice(from));
    const [head = "", ...rest] = parts;
    return [`${name}${colon}${head}`, ...rest.map((p) => `${lead}${p}`)];
  });

/** Header lines that are no field: continuations with nothing before them, lines without a colon. */
const strayLine = fc.oneof(
  fc.constantFrom(" leading continuation", "\tx: y", "no colon here", ":", ": empty name", "\r"),
  junk(20),
);

const base64Lines = fc
  .tuple(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 4, max: 76 }))
  .map(([bytes, width]) => {
    const text = Buffer.from(bytes).toString("base64");
    const lines: string[] = [];
    for (let i = 0; i < text.length; i += width) lines.push(text.slice(i, i + width));
    return lines;
  });
/** Text as a quoted-printable body: escapes kept whole, soft line breaks between them. */
const qpText = fc.tuple(utext(400), fc.integer({ min: 2, max: 40 })).map(([text, width]) => {
  const tokens = [...Buffer.from(text, "utf8")].map((b) =>
    b === 0x0a
      ? "\n"
      : b >= 0x20 && b < 0x7f && b !== 0x3d
        ? String.fromCharCode(b)
        : `=${b.toString(16).toUpperCase().padStart(2, "0")}`,
  );
  const lines = [""];
  for (const token of tokens) {
    const last = lines.length - 1;
    if (token === "\n") {
      lines.push("");
    } else if ((lines[last] as string).length + token.length > width) {
      lines[last] += "="; // soft line break
      lines.push(token);
    } else {
      lines[last] += token;
    }
  }
  return lines;
});
/** Text as a base64 body, in lines of any width. */
const base64Text = fc.tuple(utext(400), fc.integer({ min: 1, max: 76 })).map(([text, width]) => {
  const b64 = Buffer.from(text, "utf8").toString("base64");
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += width) lines.push(b64.slice(i, i + width));
  return lines;
});
const qpLine = fc
  .array(
    fc.oneof(
      fc.constantFrom("=C3=A9", "=E9", "=3D", "=", "=\r", "==", "=4", "=ZZ", "= ", " ", "\t"),
      junk(6),
    ),
    { maxLength: 8 },
  )
  .map((parts) => parts.join(""));
const htmlLine = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        "<p>",
        "</p>",
        "<br>",
        "<!--",
        "-->",
        "<script>",
        "</script>",
        "&amp;",
        "&#233;",
        "<b>",
        "<",
        ">",
        '<meta charset="iso-8859-1">',
      ),
      junk(8),
    ),
    { maxLength: 6 },
  )
  .map((parts) => parts.join(""));
const bodyLine = fc.oneof(
  { weight: 5, arbitrary: junk(40) },
  { weight: 2, arbitrary: utext(40).map(utf8) },
  { weight: 2, arbitrary: qpLine },
  { weight: 1, arbitrary: htmlLine },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "",
      ".",
      "..",
      ".x",
      "--b",
      "--b--",
      "Content-Type: text/html",
      "\r",
      "-- ",
    ),
  },
);
const body = fc.oneof(
  { weight: 6, arbitrary: fc.array(bodyLine, { maxLength: 60, size: "max" }) },
  { weight: 1, arbitrary: base64Lines },
  { weight: 1, arbitrary: base64Text },
  { weight: 1, arbitrary: qpText },
  // Long enough for the snippet prefix (see plainPrefix) at the default 300 chars.
  { weight: 1, arbitrary: fc.array(junk(80), { minLength: 20, maxLength: 40 }) },
);

interface Shape {
  header: string[];
  separator: boolean;
  body: string[];
  ending: "\n" | "\r\n" | "mixed";
  wire: "no" | "complete" | "truncated";
  endings: string[];
}

const shape: fc.Arbitrary<Shape> = fc.record({
  // Mostly with a Message-ID somewhere, or there is nothing past the header to compare.
  header: fc
    .tuple(
      fc.array(
        fc.oneof(
          { weight: 8, arbitrary: foldedField },
          { weight: 1, arbitrary: strayLine.map((l) => [l]) },
        ),
        { maxLength: 14 },
      ),
      fc.oneof(
        { weight: 6, arbitrary: fc.constant<string[]>(["Message-ID: <m@x>"]) },
        { weight: 1, arbitrary: fc.constant<string[]>([]) },
      ),
      fc.nat(),
    )
    .map(([fields, id, at]) => {
      const all = [...fields]; // not in place: fast-check reuses generated values when shrinking
      all.splice(at % (fields.length + 1), 0, id);
      return all.flat();
    }),
  separator: fc.oneof(
    { weight: 4, arbitrary: fc.constant(true) },
    { weight: 1, arbitrary: fc.constant(false) },
  ),
  body,
  ending: fc.constantFrom("\n", "\r\n", "mixed"),
  wire: fc.constantFrom("no", "complete", "truncated"),
  endings: fc.array(fc.constantFrom("\n", "\r\n", "\r\r\n", "\r"), { minLength: 1, maxLength: 5 }),
});

/** The bytes of an article of this shape. */
function bytesOf(s: Shape): Buffer {
  const lines = s.separator ? [...s.header, "", ...s.body] : [...s.header, ...s.body];
  const end = (i: number) =>
    s.ending === "mixed" ? (s.endings[i % s.endings.length] as string) : s.ending;
  if (s.wire === "no") return Buffer.from(lines.map((l, i) => l + end(i)).join(""), "latin1");
  // What innd stores: CRLF, dot-stuffed, and (unless read while being written) ".\r\n" at the end.
  const stuffed = lines.map((l) => (l.startsWith(".") ? `.${l}` : l));
  const text = stuffed.map((l) => `${l}\r\n`).join("");
  return Buffer.from(s.wire === "complete" ? `${text}.\r\n` : text, "latin1");
}

const snippetChars = fc.oneof(
  { weight: 4, arbitrary: fc.constant(300) },
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 60 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -5, 2.5, 1e9, Number.POSITIVE_INFINITY, Number.NaN) },
);

/** The result or the error (its class and message), so that a refusal must be the same refusal. */
function outcome(parse: typeof parseArticle, raw: Buffer, chars: number): unknown {
  try {
    return parse(raw, {
      path: "/spool/local/test/1",
      group: "local.test",
      number: 1,
      snippetChars: chars,
    });
  } catch (e) {
    return { threw: e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e) };
  }
}

function sameOutcome(raw: Buffer, chars: number): void {
  expect(outcome(parseArticle, raw, chars)).toEqual(outcome(parseArticleViaMime, raw, chars));
}

describe("parseArticle (fast path) equals parseArticleViaMime (emailjs-mime-parser)", {
  timeout,
}, () => {
  it("on generated articles: folded and stray header lines, MIME fields, encodings, wire or not", () => {
    fc.assert(
      fc.property(shape, snippetChars, (s, chars) => {
        sameOutcome(bytesOf(s), chars);
      }),
      { numRuns },
    );
  });

  it("on arbitrary bytes, alone or after a plausible header", () => {
    const header = Buffer.from("Message-ID: <a@b>\r\nContent-Type: text/plain\r\n", "latin1");
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.boolean(),
        snippetChars,
        (bytes, prefixed, chars) => {
          const raw = prefixed ? Buffer.concat([header, bytes]) : Buffer.from(bytes);
          sameOutcome(raw, chars);
        },
      ),
      { numRuns },
    );
  });

  it.each([
    ["a field named like an Object.prototype key", "Constructor: x\n__proto__: y"],
    ["a __proto__* parameter", "Content-Type: text/plain; __proto__*=x"],
    ["an address field with 3,000 colons", `To: a${":b".repeat(3000)};`],
  ])("%s neither breaks the header nor lets the body forge the sender", (_, hostile) => {
    // emailjs's header parsing throws on these, and mimeTree() then left the node in its header
    // state: every body line became a header line, "From: forged@x" below the sender.
    for (const mime of ["", 'Content-Type: multipart/mixed; boundary="B"\n']) {
      const body = mime
        ? "--B\nContent-Type: text/plain\n\nFrom: forged@x\nhello\n--B--\n"
        : "From: forged@x\nhello\n";
      const raw = Buffer.from(
        `Message-ID: <a@b>\nFrom: real@x\n${mime}${hostile}\n\n${body}`,
        "latin1",
      );
      sameOutcome(raw, 300);
      expect(parseArticle(raw, { path: "/p", group: "g", number: 1 })).toMatchObject({
        from: { address: "real@x" },
        snippet: "From: forged@x\nhello",
      });
    }
  });
});

describe("the fast path's parts equal what emailjs-mime-parser builds", { timeout }, () => {
  it("articleLines === unwire + latin1 + split(/\\r?\\n/)", () => {
    const raw = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      shape.map(bytesOf),
      fc
        .array(fc.constantFrom("a", ".", "..", "\r", "\n", "\r\n", ".\r\n", "\r\n.\r\n", "\xe9"), {
          maxLength: 30,
        })
        .map((parts) => Buffer.from(parts.join(""), "latin1")),
    );
    fc.assert(
      fc.property(raw, (bytes) => {
        const reference = (looksWire(bytes) ? unwire(bytes) : bytes)
          .toString("latin1")
          .split(/\r?\n/);
        expect(articleLines(bytes)).toEqual(reference);
      }),
      { numRuns },
    );
  });

  it("splitHeader and leafPartOf === the single node emailjs builds, whenever leafPartOf answers", () => {
    fc.assert(
      fc.property(shape, (s) => {
        const lines = articleLines(bytesOf(s));
        if (!lines.includes("")) lines.push("");
        const { fields, end } = splitHeader(lines);
        const part = leafPartOf(fields);
        const root = mimeTree(lines);
        if (part === undefined) return;
        expect(fields).toEqual(root.header);
        expect(root.childNodes).toEqual([]);
        expect(part.mediaType).toBe(mediaType(root));
        expect(part.transferEncoding).toBe(root.contentTransferEncoding?.value);
        expect(part.charset).toBe(declaredCharset(root));
        expect(part.attachment).toBe(isAttachment(root));
        if (fields.length > 0) expect(lines.slice(end + 1)).toEqual(bodyLines(root));
      }),
      { numRuns },
    );
  });

  it("leafText's prefix is a prefix of the whole text, and makes the same snippet", () => {
    const charsetName = charset.map((c) => c.replace(/"/g, "")).filter((c) => !c.includes("?"));
    const rawLine = fc
      .uint8Array({ maxLength: 40, size: "max" })
      .map((b) => Buffer.from(b).toString("latin1").replace(/\n/g, ""));
    const lines = fc.oneof(
      fc.array(fc.oneof(junk(60), utext(40).map(utf8), rawLine), {
        maxLength: 80,
        size: "max",
      }),
      fc.array(qpLine, { maxLength: 80, size: "max" }),
      qpText,
      base64Lines,
      base64Text,
      // Valid UTF-8, then 8-bit bytes that are not: without a charset, the whole body decides.
      fc
        .tuple(
          fc.array(utext(40).map(utf8), {
            maxLength: 40,
            size: "max",
          }),
          fc.array(rawLine, { maxLength: 5 }),
        )
        .map(([valid, rest]) => [...valid, ...rest]),
    );
    const cte = fc.constantFrom(
      "8bit",
      "7bit",
      "",
      " 8BIT ",
      "binary",
      "base64",
      "quoted-printable",
    );
    fc.assert(
      fc.property(
        fc.option(charsetName),
        cte,
        lines,
        fc.integer({ min: 0, max: 100 }),
        (cs, te, ls, chars) => {
          const part = {
            mediaType: "text/plain",
            transferEncoding: te,
            charset: cs ?? undefined,
            attachment: false,
          };
          const whole = leafText(part, ls);
          const prefix = leafText(part, ls, chars);
          expect(whole.startsWith(prefix)).toBe(true);
          expect(makeSnippet(prefix, chars)).toBe(makeSnippet(whole, chars));
        },
      ),
      { numRuns },
    );
  });
});
