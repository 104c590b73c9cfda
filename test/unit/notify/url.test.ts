import { expect, test } from "vitest";
import { parseServiceUrl } from "../../../src/notify/url.js";

// The Apprise/shoutrrr mapping documented in docs/notifiers.md, one line per form.
test.each<[string, Record<string, unknown>]>([
  [
    "slack://T0001/B0002/AbCdEf123",
    { type: "slack", url: "https://hooks.slack.com/services/T0001/B0002/AbCdEf123" },
  ],
  [
    "slack://newsbot@T0001/B0002/AbCdEf123",
    {
      type: "slack",
      url: "https://hooks.slack.com/services/T0001/B0002/AbCdEf123",
      username: "newsbot",
    },
  ],
  [
    "slack://hook:T0001-B0002-AbCdEf123@webhook",
    { type: "slack", url: "https://hooks.slack.com/services/T0001/B0002/AbCdEf123" },
  ],
  [
    "discord://123456789/tok-EN_x",
    { type: "discord", url: "https://discord.com/api/webhooks/123456789/tok-EN_x" },
  ],
  [
    "discord://bot@123456789/tok-EN_x",
    {
      type: "discord",
      url: "https://discord.com/api/webhooks/123456789/tok-EN_x",
      username: "bot",
    },
  ],
  [
    "discord://tok-EN_x@123456789",
    { type: "discord", url: "https://discord.com/api/webhooks/123456789/tok-EN_x" },
  ],
  [
    "mmost://chat.example.net/abc123",
    { type: "mattermost", url: "http://chat.example.net/hooks/abc123" },
  ],
  [
    "mmosts://bot@chat.example.net:8065/sub/dir/abc123?channel=news",
    {
      type: "mattermost",
      url: "https://chat.example.net:8065/sub/dir/hooks/abc123",
      username: "bot",
      channel: "news",
    },
  ],
  [
    "mattermost://bot@chat.example.net/abc123/news",
    {
      type: "mattermost",
      url: "https://chat.example.net/hooks/abc123",
      username: "bot",
      channel: "news",
    },
  ],
  ["ntfy://my-news", { type: "ntfy", url: "https://ntfy.sh/my-news" }],
  ["ntfy://ntfy.example.net/my-news", { type: "ntfy", url: "http://ntfy.example.net/my-news" }],
  [
    "ntfys://ntfy.example.net:8443/my-news",
    { type: "ntfy", url: "https://ntfy.example.net:8443/my-news" },
  ],
  [
    "ntfys://tk_abc123@ntfy.example.net/my-news",
    { type: "ntfy", url: "https://ntfy.example.net/my-news", token: "tk_abc123" },
  ],
  [
    "ntfys://:tk_abc123@ntfy.example.net/my-news",
    { type: "ntfy", url: "https://ntfy.example.net/my-news", token: "tk_abc123" },
  ],
  [
    "ntfys://ada:p%40ss@ntfy.example.net/my-news",
    { type: "ntfy", url: "https://ntfy.example.net/my-news", username: "ada", password: "p@ss" },
  ],
  [
    "matrixs://syt_tok@matrix.example.org/!AbC:example.org",
    {
      type: "matrix",
      url: "https://matrix.example.org",
      room: "!AbC:example.org",
      accessToken: "syt_tok",
    },
  ],
  [
    "matrix://syt_tok@127.0.0.1:8008/!AbC:example.org",
    {
      type: "matrix",
      url: "http://127.0.0.1:8008",
      room: "!AbC:example.org",
      accessToken: "syt_tok",
    },
  ],
  ["json://127.0.0.1:8080/hook", { type: "webhook", url: "http://127.0.0.1:8080/hook" }],
  [
    "jsons://hooks.example.net/news?+X-Token=abc%20d&keep=1",
    {
      type: "webhook",
      url: "https://hooks.example.net/news?keep=1",
      headers: { "X-Token": "abc d" },
    },
  ],
  [
    "json://ada:s3cret@127.0.0.1/hook",
    {
      type: "webhook",
      url: "http://127.0.0.1/hook",
      headers: { Authorization: `Basic ${Buffer.from("ada:s3cret").toString("base64")}` },
    },
  ],
  [
    "gchat://AAAA123/KeyX/Tok%3D",
    {
      type: "gchat",
      url: "https://chat.googleapis.com/v1/spaces/AAAA123/messages?key=KeyX&token=Tok%3D",
    },
  ],
  ["https://hooks.example.net/news", { type: "webhook", url: "https://hooks.example.net/news" }],
])("%s", (url, entry) => {
  expect(parseServiceUrl(url)).toEqual({ ok: true, entry });
});

test.each([
  ["pigeon://x/y", /expected a notifier URL \(.*\bdiscord:\/\/, .*\bhttp:\/\/, .*\bslack:\/\//],
  ["not a url", /expected a notifier URL/],
  ["slack://T0001/B0002", /expected slack:\/\/TokenA\/TokenB\/TokenC/],
  ["slack://T0001/B0002/C/#chan", /expected slack:\/\//],
  ["discord://notanid/token", /expected discord:\/\/WebhookID\/WebhookToken/],
  ["ntfy://host/a/b", /one topic/],
  ["matrix://user:pw@host/!r:x", /password is not supported/],
  ["matrix://tok@host/#room:x", /room alias .* needs a lookup/],
  ["matrix://tok@host/%23room:x", /room alias/],
  ["matrix://tok@host", /expected matrix\[s\]:\/\/ACCESS_TOKEN@host\/!roomId:server/],
  ["mmost://host", /expected mmost:\/\/host\/token/],
  ["gchat://space/key", /expected gchat:\/\/workspace\/key\/token/],
  ["ntfy://host/%zz", /malformed percent-encoding/],
])("%s is refused, without echoing it", (url, message) => {
  const result = parseServiceUrl(url);
  expect(result.ok).toBe(false);
  const problem = result.ok ? "" : result.problem;
  expect(problem).toMatch(message);
  expect(problem).not.toContain("pw@");
});
