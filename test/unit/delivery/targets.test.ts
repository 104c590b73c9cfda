/** A notifier's target key names its pending work in the outbox: it must not change across versions. */
import { expect, test } from "vitest";
import { configSchema } from "../../../src/config/schema.js";
import { targetKeys } from "../../../src/delivery/targets.js";

const ENTRIES = [
  { type: "stdout" },
  { type: "stdout", json: true, template: "{subject}" },
  { type: "webhook", url: "http://127.0.0.1/h", headers: { Authorization: "x" }, batch: 5 },
  { type: "exec", command: ["/bin/true", "-q"], timeoutMs: 5 },
  { type: "slack", url: "https://hooks.slack.com/services/T/B/x", username: "bot" },
  { type: "mattermost", url: "http://m/hooks/t", channel: "c", iconUrl: "http://i/x.png" },
  { type: "discord", url: "https://discord.com/api/webhooks/1/t", avatarUrl: "http://a/b.png" },
  { type: "ntfy", url: "https://ntfy.sh/t", token: "tk_1", priority: 4, tags: ["x"] },
  { type: "matrix", url: "http://h", room: "!r:h", accessToken: "a", msgtype: "m.notice" },
  { type: "matrix", url: "http://h", room: "!r:h", accessToken: "a", htmlTemplate: "<b>x</b>" },
  { type: "gchat", url: "https://chat.googleapis.com/v1/spaces/S/messages?key=k&token=t" },
  "slack://A/B/C",
  { url: "jsons://u:p@example.net/in?+X-Key=1", groups: "comp.*", rateLimitPerSecond: 3 },
];

test("every type's key is what earlier versions computed (pending work survives an upgrade)", () => {
  const { notifiers } = configSchema({ spool: "/s", activeFile: "/a" }).parse({
    notifiers: ENTRIES,
  });
  expect(targetKeys(notifiers)).toEqual([
    "9f90be070cec63de",
    "e6f51bc334bdf727",
    "cc7cbf286d534d8b",
    "71b159c21c50734a",
    "fb5ac0e5c7527696",
    "da89db7e7399241d",
    "b12c935c90120e78",
    "ec28a871986a86e1",
    "ce54f0a25eba1845",
    "5aadab1c07fc74ac",
    "8666b7e9a1f3bdd8",
    "9cfb3c0f442ba49d",
    "5a49e61a72bed1c5",
  ]);
});
