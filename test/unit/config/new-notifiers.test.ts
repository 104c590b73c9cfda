// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${env:...} is the config syntax under test
/** The five notifiers of issue 15 in a config file: every key validated, service URLs expanded. */
import { expect, test } from "vitest";
import { notifierEntry } from "../../../src/config/notifiers.js";

const entry = notifierEntry({
  SMTP_PASSWORD: "pw",
  TG: "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
});
const parse = (input: unknown) => entry.safeParse(input);
const problems = (input: unknown) => {
  const r = parse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

test.each([
  [
    {
      type: "email",
      host: "mail.example.net",
      sender: "n@example.net",
      to: ["a@example.org"],
      password: "${env:SMTP_PASSWORD}",
      username: "n",
    },
  ],
  [
    {
      type: "irc",
      host: "irc.example.net",
      channel: "#news",
      tls: true,
      sasl: { username: "bot", password: "x" },
    },
  ],
  [{ type: "mqtt", url: "mqtts://broker.example.net", topic: "usenet/{group}" }],
  [{ type: "telegram", token: "${env:TG}", chatId: -1001234567890 }],
  [
    {
      type: "teams",
      url: "https://prod-1.westus.logic.azure.com/workflows/x/triggers/manual/paths/invoke?sig=y",
    },
  ],
  ["smtps://n:pw@mail.example.net?from=n@example.net&to=a@example.org"],
  ["ircs://bot@irc.example.net/news"],
  ["mqtt://u:p@broker.example.net/usenet/{groupPath}"],
  ["tgram://${env:TG}/@news_feed"],
])("valid: %j", (input) => {
  expect(problems(input)).toEqual([]);
});

test.each<[unknown, RegExp]>([
  [{ type: "email", host: "m", sender: "not an address", to: [] }, /sender: .*email|to: /i],
  [
    { type: "email", host: "m", sender: "n@x.org", to: ["a@x.org"], subjectTemplate: "a\nBcc: b" },
    /subjectTemplate: must be one line/,
  ],
  [{ type: "irc", host: "irc.example.net", channel: "news" }, /channel: expected a channel/],
  [{ type: "irc", host: "h", channel: "#a b" }, /channel/],
  [
    { type: "irc", host: "h", channel: "#a", channelKey: "k\r\nQUIT" },
    /channelKey: expected one word/,
  ],
  [
    { type: "mqtt", url: "mqtt://b", topic: "news/#" },
    /topic: a topic to publish to may not contain/,
  ],
  [{ type: "telegram", token: "nope", chatId: "1" }, /token: expected a bot token/],
  [{ type: "teams", url: "ftp://x" }, /url: expected an http\(s\) URL/],
])("invalid: %j", (input, pattern) => {
  expect(problems(input).join("\n")).toMatch(pattern);
});

test("the telegram chat ID is a string after parsing, whichever way it was written", () => {
  const r = parse({ type: "telegram", token: "1:a", chatId: -100 });
  expect(r.success && (r.data as { chatId: unknown }).chatId).toBe("-100");
});
