// @ts-check
import assert from "node:assert/strict";
import { test } from "node:test";
import { makeArticle, messageId, phaseOf } from "../lib/articles.mjs";

test("articles are in NNTP wire format, dot-stuffed and terminated", () => {
  const { id, wire } = makeArticle("run1", "burst", 10);
  assert.equal(id, messageId("run1", "burst", 10));
  assert.ok(wire.endsWith("\r\n.\r\n"));
  assert.ok(!/[^\r]\n/.test(wire), "every line ends with CRLF");
  assert.ok(wire.includes("\r\n..a line that needs dot-stuffing\r\n"));
  assert.ok(wire.includes(`\r\nMessage-ID: ${id}\r\n`));
});

test("a Message-ID tells its run and phase", () => {
  assert.equal(phaseOf(messageId("run1", "sync", 3), "run1"), "sync");
  assert.equal(phaseOf(messageId("run1", "sync", 3), "run2"), null);
  assert.equal(phaseOf("<foreign@example>", "run1"), null);
});
