import { describe, expect, it } from "vitest";
import { isLoopback, parseListen } from "../../../src/util/listen.js";

describe("metrics listen address", () => {
  it.each([
    ["127.0.0.1:9464", { host: "127.0.0.1", port: 9464, loopback: true }],
    ["localhost:0", { host: "127.0.0.1", port: 0, loopback: true }],
    ["[::1]:9464", { host: "::1", port: 9464, loopback: true }],
    ["0.0.0.0:9464", { host: "0.0.0.0", port: 9464, loopback: false }],
    ["192.0.2.7:80", { host: "192.0.2.7", port: 80, loopback: false }],
    ["9464", /HOST:PORT/],
    ["example.net:9464", /not an IP address/],
    ["127.0.0.1:70000", /out of range/],
    ["::1:9464", /HOST:PORT|brackets/],
  ])("%s", (text, want) => {
    const got = parseListen(text);
    if (want instanceof RegExp) expect(got).toMatch(want);
    else expect(got).toEqual(want);
  });

  it.each([
    ["127.8.9.1", true],
    ["::ffff:127.0.0.1", true],
    ["10.0.0.1", false],
    ["::", false],
  ])("%s loopback: %s", (host, loop) => expect(isLoopback(host)).toBe(loop));
});
