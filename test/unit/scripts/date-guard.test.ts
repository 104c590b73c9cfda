import { describe, expect, it } from "vitest";
import { shiftDates } from "../../../scripts/date-guard.mjs";

describe("date-guard moves every written date, weekday included", () => {
  it.each<[string, number, string, number]>([
    ["Date: Tue, 24 Nov 2026 21:00:00 +0000", -30, "Date: Sun, 25 Oct 2026 21:00:00 +0000", 1],
    ["24 Nov 2026 21:22 -0530", -30, "25 Oct 2026 21:22 -0530", 1],
    ["Date: Mon, 1 Mar 2027 00:00:00 GMT", -1, "Date: Sun, 28 Feb 2027 00:00:00 GMT", 1],
    ['"2026-11-24T21:00:00.000Z"', -30, '"2026-10-25T21:00:00.000Z"', 1],
    ["2026-01-05T10:00Z and 5 Jan 2026", -10, "2025-12-26T10:00Z and 26 Dec 2025", 2],
    ["no date here, 2026 alone, 24 Nov", -30, "no date here, 2026 alone, 24 Nov", 0],
    ["{{DATE(2017-02-14T06:00:00Z)}}", 30, "{{DATE(2017-03-16T06:00:00Z)}}", 1],
  ])("%s, %d days", (text, days, expected, moved) => {
    expect(shiftDates(text, days)).toEqual({ text: expected, moved });
  });
});
