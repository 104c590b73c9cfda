import { describe, expect, it } from "vitest";
import { toIsoDate } from "../../../src/article/date.js";

describe("toIsoDate", () => {
  it.each([
    ["Tue, 24 Nov 2026 21:22:48 +0000 (UTC)", "2026-11-24T21:22:48.000Z"],
    ["Tue, 24 Nov 2026 21:22:48 +0100", "2026-11-24T20:22:48.000Z"],
    ["24 Nov 2026 21:22 -0530", "2026-11-25T02:52:00.000Z"],
    ["Tue, 24 Nov 2026 21:22:48 GMT", "2026-11-24T21:22:48.000Z"],
    ["Tue, 24 Nov 2026 16:22:48 EST", "2026-11-24T21:22:48.000Z"],
    ["Tue, 24 Nov 2026 14:22:48 PDT", "2026-11-24T21:22:48.000Z"],
    ["Tue, 24 Nov 2026 22:22:48 CET", "2026-11-24T21:22:48.000Z"],
    ["Tue, 24 Nov 2026 21:22:48 ut", "2026-11-24T21:22:48.000Z"],
    ["Tue, 24 Nov 2026 21:22:48 A", "2026-11-24T21:22:48.000Z"],
    ["24 Nov 98 21:22:48 GMT", "1998-11-24T21:22:48.000Z"],
    ["Tue,  24 Nov 2026\t21:22:48 (a comment) +0000", "2026-11-24T21:22:48.000Z"],
    ["Tue, 24 Nov 2026 21:22:48", "2026-11-24T21:22:48.000Z"],
    ["Tue Nov 24 21:22:48 2026", "2026-11-24T21:22:48.000Z"],
    ["Tue, 24 Nov 2026 21:22:48 XYZ", null],
    ["garbage", null],
    ["Tuesday 5", null],
    ["", null],
    [undefined, null],
  ])("%j -> %s", (input, expected) => {
    expect(toIsoDate(input)).toBe(expected);
  });
});
