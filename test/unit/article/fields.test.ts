import { describe, expect, it } from "vitest";
import { messageIdOf, parseReferences, parseXref } from "../../../src/article/fields.js";

describe("parseXref", () => {
  it.each([
    [
      "server.example.net local.test:1 local.general:12",
      [
        { group: "local.test", number: 1 },
        { group: "local.general", number: 12 },
      ],
    ],
    ["host  a.b.c:7\t", [{ group: "a.b.c", number: 7 }]],
    ["host bad nogroup: :3 g:x g:5", [{ group: "g", number: 5 }]],
    ["host", []],
    [undefined, []],
  ])("%j", (input, expected) => {
    expect(parseXref(input)).toEqual(expected);
  });
});

describe("parseReferences", () => {
  it.each([
    ["<a@x> <b@x>\t<c@x>", ["<a@x>", "<b@x>", "<c@x>"]],
    ["<a@x><b@x>", ["<a@x>", "<b@x>"]],
    ["junk <a@x> junk", ["<a@x>"]],
    [undefined, []],
  ])("%j", (input, expected) => {
    expect(parseReferences(input)).toEqual(expected);
  });
});

describe("messageIdOf", () => {
  it.each([
    ["<a@b>", "<a@b>"],
    ["  <a@b> (comment)", "<a@b>"],
    ["a@b", "<a@b>"],
    ["", ""],
    ["two words", ""],
  ])("%j", (input, expected) => {
    expect(messageIdOf(input)).toBe(expected);
  });
});
