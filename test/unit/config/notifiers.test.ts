// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${env:NAME} is the config syntax under test
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, expect, test, vi } from "vitest";
import { loadConfig } from "../../../src/config/schema.js";
import { ConfigError } from "../../../src/util/errors.js";

const INN = { spool: "/var/spool/news/articles", activeFile: "/var/lib/news/active" };
const fixture = (name: string) => join(import.meta.dirname, "../../../fixtures/config", name);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "newsnotify-notifiers-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));
afterEach(() => vi.unstubAllEnvs());

let n = 0;
async function load(yaml: string) {
  const file = join(dir, `c${n++}.yaml`);
  await writeFile(file, yaml);
  return loadConfig(file, INN);
}

/** Problem lines without the file name. */
async function problems(yaml: string): Promise<string[]> {
  try {
    await load(yaml);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((line) => line.replace(/^[^:]+: /, ""));
  }
}

test("services.yaml: URL forms, env secrets, routing and the top-level link", async () => {
  vi.stubEnv("NN_SLACK_SECRET", "XXXXsecret");
  vi.stubEnv("NN_DISCORD_TOKEN", "tok-en");
  vi.stubEnv("NN_NTFY_TOKEN", "tk_abc");
  vi.stubEnv("NN_MATRIX_TOKEN", "syt_abc");
  vi.stubEnv("NN_HOOK_TOKEN", "s3cret");
  const config = await loadConfig(fixture("services.yaml"), INN);
  const link = "https://archive.example/{messageIdEncoded}";
  expect(config.notifiers).toEqual([
    {
      type: "slack",
      url: "https://hooks.slack.com/services/T0001/B0002/XXXXsecret",
      timeoutMs: 10_000,
      link,
    },
    {
      type: "discord",
      url: "https://discord.com/api/webhooks/123456789/tok-en",
      groups: "comp.*,!comp.lang.*",
      subject: "/^\\[ANN\\]/i",
      timeoutMs: 10_000,
      link,
    },
    {
      type: "ntfy",
      url: "https://ntfy.example.net/my-news",
      token: "tk_abc",
      priority: 4,
      template: "{subject} ({newsgroups})",
      timeoutMs: 10_000,
      link,
    },
    {
      type: "matrix",
      url: "https://matrix.example.org",
      room: "!AbCdEf:example.org",
      accessToken: "syt_abc",
      link: "news://news.example.net/{messageIdEncoded}",
      timeoutMs: 10_000,
    },
    {
      type: "mattermost",
      url: "https://chat.example.net/hooks/hooktoken",
      timeoutMs: 10_000,
      link,
    },
    {
      type: "webhook",
      url: "http://127.0.0.1:8080/hook",
      headers: { Authorization: "Bearer s3cret" },
      timeoutMs: 10_000,
    },
    { type: "stdout", json: false, control: true, junk: true, link },
  ]);
});

test("services.yaml without its variables: every missing one named, nothing else", async () => {
  const file = fixture("services.yaml");
  const error = (await loadConfig(file, INN).catch((e: unknown) => e)) as ConfigError;
  expect(error.problems).toEqual([
    `${file}: notifiers.0: environment variable NN_SLACK_SECRET is not set`,
    `${file}: notifiers.1.url: environment variable NN_DISCORD_TOKEN is not set`,
    `${file}: notifiers.2.token: environment variable NN_NTFY_TOKEN is not set`,
    `${file}: notifiers.3.accessToken: environment variable NN_MATRIX_TOKEN is not set`,
    `${file}: notifiers.5: environment variable NN_HOOK_TOKEN is not set`,
  ]);
});

test("an empty variable is a problem too, and headers are expanded", async () => {
  vi.stubEnv("NN_EMPTY", "");
  vi.stubEnv("NN_AUTH", "Bearer x");
  expect(
    await problems(
      "notifiers:\n  - {type: webhook, url: 'https://x.example/${env:NN_EMPTY}', headers: {Authorization: '${env:NN_AUTH}'}}",
    ),
  ).toEqual(["notifiers.0.url: environment variable NN_EMPTY is empty"]);
  const config = await load(
    "notifiers:\n  - {type: webhook, url: 'https://x.example/h', headers: {Authorization: '${env:NN_AUTH}'}}",
  );
  expect(config.notifiers[0]).toMatchObject({ headers: { Authorization: "Bearer x" } });
});

test.each([
  [
    "notifiers: ['slack://T0001/B0002']",
    [/^notifiers\.0: expected slack:\/\/TokenA\/TokenB\/TokenC/],
  ],
  ["notifiers: ['pigeon://a/b']", [/^notifiers\.0: expected a notifier URL \(.*\bslack:\/\//]],
  [
    "notifiers: [{type: discord, url: 'slack://T/B/C'}]",
    [/^notifiers\.0\.url: a slack URL in a discord notifier$/],
  ],
  [
    "notifiers: [{type: slack, url: 'ftp://x/y'}]",
    [/^notifiers\.0\.url: expected an http\(s\) URL$/],
  ],
  [
    "notifiers: [{url: 'slack://T/B/C', grups: 'comp.*'}]",
    [/^notifiers\.0\.grups: unknown key \(did you mean "groups"\?\)$/],
  ],
  [
    "notifiers: ['${env:lower-case}']",
    [/^notifiers\.0: \$\{env:lower-case\}: expected \$\{env:NAME\}/],
  ],
  [
    "notifiers: [{type: slack, url: 'https://x.example/h', template: '{subjct} {frm}'}]",
    [/^notifiers\.0\.template: unknown field \{subjct\} \(fields: \{subject\}/],
  ],
  [
    "notifiers: [{type: slack, url: 'https://x.example/h', link: 'https://a/{snippet}'}]",
    [/^notifiers\.0\.link: unknown field \{snippet\}/],
  ],
  ["link: 'https://a/{subject}'", [/^link: unknown field \{subject\} \(fields: \{messageId\}/]],
  [
    "notifiers: [{type: stdout, groups: 'comp.[ab'}]",
    [/^notifiers\.0\.groups: malformed pattern "comp\.\[ab"/],
  ],
  ["notifiers: [{type: stdout, groups: 'comp.*,'}]", [/^notifiers\.0\.groups: empty pattern/]],
  [
    "notifiers: [{type: stdout, subject: '/[/'}]",
    [/^notifiers\.0\.subject: invalid regular expression/],
  ],
  [
    "notifiers: [{type: matrix, url: 'https://m.example', room: '#news:example.org', accessToken: x}]",
    [/^notifiers\.0\.room: expected a room ID such as !abcdef:example\.org \(not an alias\)$/],
  ],
  [
    "notifiers: [{type: ntfy, url: 'https://ntfy.sh/t', priority: 6}]",
    [/^notifiers\.0\.priority: must be at most 5, got 6$/],
  ],
  [
    "notifiers: [{type: slack, url: 'https://x.example/h', rateLimitPerSecond: -1}]",
    [/^notifiers\.0\.rateLimitPerSecond: must be at least 0/],
  ],
  [
    "notifiers: [{type: ntfy, url: 'https://ntfy.sh/t', token: \"a\\r\\nX: y\"}]",
    [/^notifiers\.0\.token: must not contain control characters$/],
  ],
  [
    "notifiers: [{type: stdout, control: [newgorup]}]",
    [/^notifiers\.0\.control: expected true, false, only, a list/],
  ],
  [
    "notifiers: [{type: stdout, control: {only: yes}}]",
    [/^notifiers\.0\.control: expected true, false, only, a list/],
  ],
  [
    "notifiers: [{type: exec, command: [x], template: '{subject}'}]",
    [/^notifiers\.0\.template: unknown key/],
  ],
])("%s", async (yaml, expected) => {
  const lines = await problems(yaml);
  expect(lines).toHaveLength(expected.length);
  for (const [i, pattern] of expected.entries()) expect(lines[i]).toMatch(pattern);
});

test("problems never repeat a secret from a URL", async () => {
  const lines = await problems("notifiers: ['slack://T0001/B0002/s3cretpart/extra']");
  expect(lines.join("\n")).not.toContain("s3cret");
});

test("every problem at once, across entries and forms", async () => {
  const lines = await problems(
    "notifiers:\n  - 'discord://x/y'\n  - {type: stdout, groups: ''}\n  - {type: slack, url: 'https://x.example/h', template: '{nope}'}",
  );
  expect(lines).toHaveLength(3);
});
