import { describe, expect, it } from "vitest";
import { isCompleteWire, unwire } from "../../../src/article/wire.js";

const bytes = (s: string) => Buffer.from(s, "latin1");

describe("unwire", () => {
  it.each([
    ["terminator stripped", "a\r\nb\r\n.\r\n", "a\nb\n"],
    ["dot-stuffing undone", "..x\r\n...\r\n..\r\n.\r\n", ".x\n..\n.\n"],
    ["dots elsewhere untouched", "a.b\r\n .\r\n.x\r\n.\r\n", "a.b\n .\n.x\n"],
    ["lone LF tolerated", "a\nb\r\n.\n", "a\nb\n"],
    ["lone CR kept as data", "a\rb\r\n.\r\n", "a\rb\n"],
    ["no terminator (truncated read)", "a\r\nb", "a\nb"],
    ["cut between CR and LF", "a\r\nb\r", "a\nb"],
    ["nothing after the terminator", "a\r\n.\r\nrest", "a\n"],
    ["8-bit bytes kept", "caf\xe9\r\n.\r\n", "caf\xe9\n"],
    ["empty", "", ""],
  ])("%s", (_, input, expected) => {
    expect(unwire(bytes(input)).toString("latin1")).toBe(expected);
  });
});

describe("isCompleteWire", () => {
  it.each([
    ["a\r\n.\r\n", true],
    ["\r\n.\r\n", true],
    ["a\r\n.\r", false],
    ["a\n.\n", false],
    ["a\r\n..\r\n", false],
    [".\r\n", false],
    ["", false],
  ])("%j -> %s", (tail, expected) => {
    expect(isCompleteWire(bytes(tail))).toBe(expected);
  });
});
