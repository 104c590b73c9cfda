/** The Host header check that keeps DNS rebinding away from /metrics (RFC 9110 §7.2 for the form). */
import { describe, expect, it } from "vitest";
import { hostAllowed, hostName } from "../../../src/metrics/host-header.js";

describe("hostName", () => {
  it.each([
    ["127.0.0.1:9464", "127.0.0.1"],
    ["127.0.0.1", "127.0.0.1"],
    ["[::1]:9464", "::1"],
    ["[::FFFF:127.0.0.1]", "::ffff:127.0.0.1"],
    ["LocalHost:9464", "localhost"],
    ["localhost.:9464", "localhost"],
    ["Prom.Example.NET:80", "prom.example.net"],
    ["", null],
    ["::1", null],
    ["[evil.example]:80", null],
    ["user@evil.example", null],
    ["evil.example/path", null],
    ["evil example", null],
    ["127.0.0.1:9464:1", null],
  ])("%j → %j", (header, want) => {
    expect(hostName(header)).toBe(want);
  });
});

describe("hostAllowed", () => {
  const listed = ["news.example.net"];
  it.each([
    ["127.0.0.1:9464", true],
    ["[::1]:9464", true],
    ["localhost:9464", true],
    ["10.1.2.3:9464", true],
    ["news.example.net:9464", true],
    ["NEWS.example.net.", true],
    [undefined, false],
    ["", false],
    // What a rebinding page's requests carry: its own name.
    ["evil.example:9464", false],
    ["news.example.net.evil.example", false],
    ["localhost.evil.example", false],
    ["127.0.0.1.nip.io:9464", false],
    ["sub.localhost", false],
  ])("%j → %j", (header, want) => {
    expect(hostAllowed(header, listed)).toBe(want);
  });

  it("allows no name at all when none is listed", () => {
    expect(hostAllowed("news.example.net", [])).toBe(false);
  });
});
