/** Property-based tests (fast-check) for the article parser: hostile bytes never crash it. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ArticleParseError, parseArticle } from "../../../src/article/parse.js";
import { unwire } from "../../../src/article/wire.js";

const opts = { path: "/spool/local/test/1", group: "local.test", number: 1, snippetChars: 50 };

/** What innd stores: CRLF line ends, dot-stuffed, terminated by ".\r\n". */
function wire(text: string): Buffer {
  const lines = text.split("\n").map((l) => (l.startsWith(".") ? `.${l}` : l));
  return Buffer.from(`${lines.join("\r\n")}\r\n.\r\n`, "utf8");
}

const line = fc.string({ unit: "grapheme", maxLength: 30 }).map((s) => s.replace(/[\r\n]/g, ""));

describe("parseArticle on arbitrary input", () => {
  it("returns an article or throws ArticleParseError: never anything else", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        try {
          parseArticle(Buffer.from(bytes), opts);
        } catch (e) {
          expect(e).toBeInstanceOf(ArticleParseError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("article-shaped bytes (fields, MIME, hostile values) reach the parser's success path too", () => {
    const anyBytes = fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b).toString("latin1"));
    const value = fc.oneof(
      line,
      anyBytes.map((v) => v.replace(/[\r\n]/g, " ")),
    );
    const field = fc.oneof(
      fc.tuple(
        fc.constantFrom("Subject", "From", "Date", "References", "Xref", "Organization", "Control"),
        value,
      ),
      fc.tuple(
        fc.constant("Content-Type"),
        fc.constantFrom(
          "text/plain; charset=utf-8",
          "text/html",
          'multipart/alternative; boundary="B"',
          'multipart/digest; boundary="B"',
          "text/plain; charset=iso-2022-jp",
        ),
      ),
      fc.tuple(
        fc.constant("Content-Transfer-Encoding"),
        fc.constantFrom("base64", "quoted-printable", "8bit"),
      ),
    );
    let parsed = 0;
    fc.assert(
      fc.property(
        fc.array(field, { maxLength: 8 }),
        fc.array(fc.oneof(line, fc.constantFrom("--B", "--B--", "Content-Type: text/plain", "")), {
          maxLength: 12,
        }),
        fc.boolean(),
        (fields, body, wired) => {
          const header = [
            "Message-ID: <p@x>",
            "Newsgroups: local.test",
            ...fields.map(([k, v]) => `${k}: ${v}`),
          ];
          const text = `${header.join("\n")}\n\n${body.join("\n")}`;
          try {
            const a = parseArticle(wired ? wire(text) : Buffer.from(text, "latin1"), opts);
            expect(a.messageId).toBe("<p@x>");
            expect(a.snippet.length).toBeLessThanOrEqual(50);
            parsed++;
          } catch (e) {
            expect(e).toBeInstanceOf(ArticleParseError);
          }
        },
      ),
      { numRuns: 300 },
    );
    // Not only the refusals are exercised: most of these are articles.
    expect(parsed).toBeGreaterThan(150);
  });

  it("any header values and body: parses, and the snippet is whole code points within its limit", () => {
    fc.assert(
      fc.property(line, line, fc.array(line, { maxLength: 20 }), (subject, from, body) => {
        const a = parseArticle(
          wire(
            `Message-ID: <p@x>\nFrom: ${from}\nNewsgroups: local.test\nSubject: ${subject}\n\n${body.join("\n")}`,
          ),
          opts,
        );
        expect(a.messageId).toBe("<p@x>");
        expect(a.snippet.length).toBeLessThanOrEqual(50);
        expect(a.snippet).not.toMatch(
          /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/,
        );
        expect(a.snippet).not.toContain("\r");
      }),
      { numRuns: 300 },
    );
  });
});

describe("unwire", () => {
  it("undoes what innd does to a text: CRLF, dot-stuffing, terminator", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            line,
            line.map((l) => `.${l}`),
            fc.constant("."),
          ),
          { maxLength: 30 },
        ),
        (lines) => {
          const text = lines.join("\n");
          expect(unwire(wire(text)).toString("utf8")).toBe(`${text}\n`);
        },
      ),
    );
  });
});
