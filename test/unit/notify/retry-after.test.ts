import { expect, test } from "vitest";
import { parseRetryAfter, retryAfterMs } from "../../../src/notify/retry-after.js";

const NOW = Date.parse("Tue, 24 Nov 2026 21:00:00 GMT");

test.each([
  ["1", 1000],
  ["120", 120_000],
  [" 5 ", 5000],
  ["Tue, 24 Nov 2026 21:00:30 GMT", 30_000],
  ["Tue, 24 Nov 2026 20:59:00 GMT", 0],
  ["1.5", undefined],
  ["-1", undefined],
  ["soon", undefined],
  ["", undefined],
])("Retry-After %j → %s ms", (header, expected) => {
  expect(parseRetryAfter(header, NOW)).toBe(expected);
});

test.each<[string | null, string, number | undefined]>([
  ["2", '{"retry_after": 9}', 2000],
  [null, '{"message": "You are being rate limited.", "retry_after": 0.345, "global": false}', 345],
  [null, '{"errcode": "M_LIMIT_EXCEEDED", "retry_after_ms": 2000}', 2000],
  ["garbage", '{"retry_after": 1}', 1000],
  [
    null,
    '{"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 5", "parameters": {"retry_after": 5}}',
    5000,
  ],
  [null, "not json", undefined],
  [null, '{"retry_after": "1"}', undefined],
  [null, "[1]", undefined],
])("header %j, body %j → %s ms", (header, body, expected) => {
  expect(retryAfterMs(header, body, NOW)).toBe(expected);
});
