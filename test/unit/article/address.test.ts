import { describe, expect, it } from "vitest";
import { parseMailbox } from "../../../src/article/address.js";

describe("parseMailbox", () => {
  it.each([
    ["Name <a@b.example>", "Name", "a@b.example"],
    ['"Doe, John" <j@d.example>', "Doe, John", "j@d.example"],
    ["j@d.example (John Doe)", "John Doe", "j@d.example"],
    ["j@d.example", "", "j@d.example"],
    ["<j@d.example>", "", "j@d.example"],
    ["=?UTF-8?Q?J=C3=B6rg?= <j@d.example>", "Jörg", "j@d.example"],
    ["=?utf-8?q?J=C3=B6rg?= =?utf-8?q?_M=C3=BCller?= <j@d.example>", "Jörg Müller", "j@d.example"],
    ['"=?utf-8?q?quoted_word?=" <j@d.example>', "quoted word", "j@d.example"],
    ["Zoë <z@d.example>", "Zoë", "z@d.example"],
    ["team: a@d.example, b@d.example;", "", "a@d.example"],
    ["", "", ""],
  ])("%j", (input, name, address) => {
    expect(parseMailbox(input)).toEqual({ name, address });
  });
});
