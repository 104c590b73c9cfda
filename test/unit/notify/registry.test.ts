import { expect, test } from "vitest";
import { paceOf } from "../../../src/notify/build.js";
import { NOTIFIERS, notifierDefinition } from "../../../src/notify/registry.js";

test("each type is registered once, under the name its schema's `type` literal has", () => {
  const types = NOTIFIERS.map((d) => d.type);
  expect(new Set(types).size).toBe(types.length);
  for (const d of NOTIFIERS) {
    expect(d.schema.shape.type.value).toBe(d.type);
    expect(notifierDefinition(d.type)).toBe(d);
  }
  expect(notifierDefinition("pigeon")).toBeUndefined();
  expect(notifierDefinition(undefined)).toBeUndefined();
});

test("the first nine keep their order (the config's error messages list types in registry order)", () => {
  expect(NOTIFIERS.map((d) => d.type).slice(0, 9)).toEqual([
    "stdout",
    "webhook",
    "exec",
    "slack",
    "mattermost",
    "discord",
    "ntfy",
    "matrix",
    "gchat",
  ]);
});

test("no two notifiers claim one service URL scheme", () => {
  const schemes = NOTIFIERS.flatMap((d) => Object.keys(d.urls ?? {}));
  expect(new Set(schemes).size).toBe(schemes.length);
});

test("default rates and pace keys come from the definitions", () => {
  const url = "https://example.net/hook?token=secret";
  expect(paceOf({ type: "slack", url, timeoutMs: 1 })).toEqual({
    key: "https://example.net/hook",
    perSecond: 1,
  });
  expect(paceOf({ type: "discord", url, timeoutMs: 1 })?.perSecond).toBe(0.5);
  expect(paceOf({ type: "gchat", url, timeoutMs: 1 })?.perSecond).toBe(1);
  expect(paceOf({ type: "webhook", url, timeoutMs: 1 })).toBeUndefined();
  expect(paceOf({ type: "webhook", url, timeoutMs: 1, rateLimitPerSecond: 2 })?.perSecond).toBe(2);
  expect(paceOf({ type: "slack", url, timeoutMs: 1, rateLimitPerSecond: 0 })).toBeUndefined();
  expect(
    paceOf({
      type: "matrix",
      url,
      timeoutMs: 1,
      room: "!r:x",
      accessToken: "t",
      rateLimitPerSecond: 1,
    })?.key,
  ).toBe("https://example.net/hook !r:x");
  expect(paceOf({ type: "exec", command: ["x"], timeoutMs: 1 })).toBeUndefined();
});
