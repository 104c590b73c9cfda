import { describe, expect, it } from "vitest";
import { nntpServer, parseInnconfvalShell } from "../../../src/inn/nntp-server.js";
import { passwdNntpFor } from "../../../src/inn/passwd-nntp.js";

describe("inn.conf's port and bindaddress → where catch-up connects", () => {
  it("parses innconfval -s (unset keys are absent; quotes undone)", () => {
    const vars = parseInnconfvalShell(
      "PORT=433; export PORT;\nSERVER='news.example'; export SERVER;\nX='it'\\''s'; export X;\n",
    );
    expect([...vars]).toEqual([
      ["PORT", "433"],
      ["SERVER", "news.example"],
      ["X", "it's"],
    ]);
  });

  it.each<[string, Record<string, string>, string, number]>([
    ["nothing set: every address, 119", {}, "127.0.0.1", 119],
    ["another port", { PORT: "1119" }, "127.0.0.1", 1119],
    ["bindaddress all", { BINDADDRESS: "all" }, "127.0.0.1", 119],
    ["bindaddress any", { BINDADDRESS: "ANY" }, "127.0.0.1", 119],
    ["one IPv4 address", { BINDADDRESS: "192.0.2.7", PORT: "563" }, "192.0.2.7", 563],
    ["no IPv4, IPv6 everywhere", { BINDADDRESS: "none" }, "::1", 119],
    [
      "no IPv4, one IPv6 address",
      { BINDADDRESS: "none", BINDADDRESS6: "2001:db8::7" },
      "2001:db8::7",
      119,
    ],
    ["a nonsense port: INN's default", { PORT: "0" }, "127.0.0.1", 119],
  ])("%s", (_what, vars, host, port) => {
    const got = nntpServer(new Map(Object.entries(vars)), "test");
    expect({ host: got.host, port: got.port }).toEqual({ host, port });
  });
});

describe("passwd.nntp: the first AUTHINFO line for the server, as INN's tools pick it", () => {
  const FILE = [
    "# host:user:password[:authtype]",
    "other.example:o:op",
    "LocalHost:reader:pa ss word",
    "localhost:second:no",
    "gen.example:g:gp:genericauth",
    "",
  ].join("\n");
  it.each<[string, string[], { user: string; password: string } | null]>([
    [
      "by inn.conf's server, case-insensitive",
      ["localhost"],
      { user: "reader", password: "pa ss word" },
    ],
    ["by the address connected to", ["127.0.0.1", "other.example"], { user: "o", password: "op" }],
    ["only authinfo lines", ["gen.example"], null],
    ["no line for the server", ["news.example"], null],
  ])("%s", (_what, hosts, want) => {
    const got = passwdNntpFor(FILE, hosts, "/etc/news/passwd.nntp");
    expect(got && { user: got.user, password: got.password }).toEqual(want);
  });
});
