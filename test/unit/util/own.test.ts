import { expect, test } from "vitest";
import { own } from "../../../src/util/own.js";
import { heapAfterGc } from "../../helpers/heap.js";

test.each([
  "",
  "<a@b>",
  "<exactly13@x>",
  "<a-longer-message-id.123@news.example.net>",
  "ü€😀 text",
])("own(%j) is the same text", (s) => {
  expect(own(s)).toBe(s);
});

test("an owned slice does not keep its parent string alive; a plain slice does", () => {
  const keep = (copy: (s: string) => string) => {
    const before = heapAfterGc();
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) {
      // A 256 KB "article" per ID, built fresh so that each is its own string.
      const text = `Message-ID: <id${i}.${"x".repeat(20)}@example.net>\n${String(i).repeat(256 * 1024)}`;
      ids.push(copy(text.slice(12, text.indexOf(">") + 1)));
    }
    const kept = heapAfterGc() - before;
    expect(ids).toHaveLength(100);
    return kept / 1024 / 1024;
  };
  const sliced = keep((s) => s);
  const owned = keep(own);
  expect(sliced).toBeGreaterThan(10); // ~25 MB: every parent kept
  expect(owned).toBeLessThan(2);
});
