import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { type Config, configSchema, loadConfig } from "../../../src/config/schema.js";
import { NOTIFIERS } from "../../../src/notify/registry.js";
import { SOURCE_NAMES } from "../../../src/sources/registry.js";

/** Every registered type, quoted, in registry order: "stdout", "webhook", "exec", "slack", ... */
const TYPES = NOTIFIERS.map((d) => `"${d.type}"`).join(", ");

import { ConfigError, UserError } from "../../../src/util/errors.js";

const fixture = (name: string) => join(import.meta.dirname, "../../../fixtures/config", name);
const INN = { spool: "/var/spool/news/articles", activeFile: "/var/lib/news/active" };

const DEFAULTS: Config = {
  mode: "auto",
  process: "innd",
  spool: INN.spool,
  activeFile: INN.activeFile,
  bpftrace: ["bpftrace"],
  depthMargin: 4,
  snippetChars: 300,
  maxArticleBytes: 1_048_576,
  completeTimeoutMs: 5000,
  stateDir: "/var/lib/newsnotify",
  catchUp: { maxArticles: 1000, maxAgeMinutes: 1440, intervalSeconds: 60 },
  notifiers: [{ type: "stdout", json: false }],
};

const FULL: Config = {
  mode: "tracepoint",
  process: "innd",
  spool: "/srv/news/spool/articles",
  activeFile: "/srv/news/db/active",
  bpftrace: ["sudo", "-n", "bpftrace"],
  depthMargin: 6,
  snippetChars: 500,
  maxArticleBytes: 65536,
  completeTimeoutMs: 2000,
  stateDir: "/var/lib/newsnotify",
  catchUp: { maxArticles: 1000, maxAgeMinutes: 1440, intervalSeconds: 60 },
  notifiers: [
    { type: "stdout", json: true },
    {
      type: "webhook",
      url: "https://hooks.example.net/news",
      headers: { Authorization: "Bearer s3cret" },
      timeoutMs: 5000,
    },
    {
      type: "exec",
      command: ["/usr/local/bin/on-article", "--quiet"],
      timeoutMs: 30_000,
    },
  ],
};

/** The problem lines for a file, or [] when it loads. */
async function problems(file: string, defaults = INN): Promise<string[]> {
  try {
    await loadConfig(file, defaults);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
}

describe("good files", () => {
  test.each([
    ["no file", undefined, DEFAULTS],
    ["empty.yaml", fixture("empty.yaml"), DEFAULTS],
    ["full.yaml", fixture("full.yaml"), FULL],
    ["full.json", fixture("full.json"), FULL],
    [
      "webhook-only.yaml",
      fixture("webhook-only.yaml"),
      {
        ...DEFAULTS,
        notifiers: [{ type: "webhook", url: "http://127.0.0.1:8080/hook", timeoutMs: 10_000 }],
      },
    ],
  ])("%s", async (_name, file, expected) => {
    expect(await loadConfig(file, INN)).toEqual(expected);
  });
});

describe("broken files", () => {
  test("reports every problem at once, one FILE: key: problem line each", async () => {
    const file = fixture("broken-many.yaml");
    const lines = await problems(file);
    expect(lines).toEqual(
      expect.arrayContaining([
        `${file}: mode: expected one of ${["auto", ...SOURCE_NAMES].map((n) => `"${n}"`).join(", ")}, got "fast"`,
        expect.stringMatching(new RegExp(`^${file}: process: expected a process name`)),
        `${file}: activFile: unknown key (did you mean "activeFile"?)`,
        `${file}: depthMargin: must be at least 1, got 0`,
        `${file}: notifiers.0.url: expected an http(s) URL`,
      ]),
    );
    expect(lines).toHaveLength(5);
  });

  test.each([
    ["broken-syntax.yaml", [/: line 4, column 1: /]],
    ["broken-syntax.json", [/: line 4, column 3: Missing , between flow map items$/]],
    ["not-a-mapping.yaml", [/: expected a mapping \(key: value\), got an array$/]],
    ["does-not-exist.yaml", [/: cannot read: ENOENT: no such file or directory/]],
    [
      "broken-paths.yaml",
      [/: spool: expected an absolute path$/, /: activeFile: must not contain a double quote/],
    ],
    [
      "broken-notifiers.yaml",
      [
        new RegExp(`: notifiers\\.0\\.type: expected one of ${TYPES}, got "pigeon"$`),
        /: notifiers\.1\.command: expected a non-empty argv array/,
        /: notifiers\.2\.command: expected a list, got "\/usr\/local\/bin\/on-article --quiet"$/,
        /: notifiers\.3\.timeout: unknown key \(did you mean "timeoutMs"\?\)$/,
        /: notifiers\.4\.json: expected true or false, got "yes"$/,
      ],
    ],
  ])("%s", async (name, expected) => {
    const file = fixture(name);
    const lines = await problems(file);
    expect(lines).toHaveLength(expected.length);
    for (const [i, pattern] of expected.entries()) {
      expect(lines[i]?.startsWith(`${file}: `)).toBe(true);
      expect(lines[i]).toMatch(pattern);
    }
  });

  test("ConfigError is a UserError whose message is the problems, exit code 2", async () => {
    const error = await loadConfig(fixture("broken-paths.yaml"), INN).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as ConfigError).exitCode).toBe(2);
    expect((error as ConfigError).message).toBe((error as ConfigError).problems.join("\n"));
  });
});

describe("single keys", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "newsnotify-config-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  let n = 0;
  async function check(yaml: string): Promise<string[]> {
    const file = join(dir, `c${n++}.yaml`);
    await writeFile(file, yaml);
    return (await problems(file)).map((line) => line.slice(file.length + 2));
  }

  test.each([
    ["mode: kprobe", []],
    ["mode: KPROBE", [/^mode: expected one of/]],
    ["process: nnrpd", []],
    ["process: in.nd-2_x+y", []],
    ["process: abcdefghijklmnop", [/^process: expected a process name/]],
    ['process: "innd\\"); system(\\"id"', [/^process: /]],
    ["process: ''", [/^process: /]],
    ["process: 42", [/^process: expected a string, got 42$/]],
    ["spool: /a/b", []],
    ["spool: /a/b\\c", [/^spool: must not contain/]],
    ['spool: "/a/b\\nc"', [/^spool: must not contain/]],
    ['spool: "/a/\\0"', [/^spool: must not contain/]],
    ["bpftrace: []", [/^bpftrace: expected a non-empty argv prefix/]],
    ["bpftrace: sudo bpftrace", [/^bpftrace: expected a list/]],
    ["bpftrace: ['']", [/^bpftrace\.0: must not be empty$/]],
    ["depthMargin: 50", []],
    ["depthMargin: 51", [/^depthMargin: must be at most 50, got 51$/]],
    ["depthMargin: 2.5", [/^depthMargin: expected an integer, got 2.5$/]],
    ["snippetChars: 0", []],
    ["snippetChars: 4001", [/^snippetChars: must be at most 4000/]],
    ["maxArticleBytes: 4095", [/^maxArticleBytes: must be at least 4096/]],
    ["completeTimeoutMs: '5000'", [/^completeTimeoutMs: expected a number, got "5000"$/]],
    ["notifiers: []", [/^notifiers: expected at least one notifier/]],
    ["notifiers: [{json: true}]", [/^notifiers\.0\.type: expected one of .*, got nothing$/]],
    ["notifiers: [{type: webhook}]", [/^notifiers\.0\.url: required \(a string\)$/]],
    [
      "notifiers: [{type: webhook, url: 'not a url'}]",
      [/^notifiers\.0\.url: expected an http\(s\) URL$/],
    ],
    [
      "notifiers: [{type: webhook, url: 'https://x.example/h', timeoutMs: 0}]",
      [/timeoutMs: must be at least 1/],
    ],
    [
      "notifiers: [{type: webhook, url: 'https://x.example/h', headers: {'Bad Name': x}}]",
      [/^notifiers\.0\.headers\.Bad Name: expected an HTTP header name$/],
    ],
    [
      'notifiers: [{type: webhook, url: "https://x.example/h", headers: {X-A: "a\\r\\nX-B: b"}}]',
      [/^notifiers\.0\.headers\.X-A: must not contain control characters$/],
    ],
    [
      "notifiers: [{type: exec, command: ['']}]",
      [/^notifiers\.0\.command: argv\[0\] must name a program$/],
    ],
    [
      "notifiers: [{type: stdout, jsn: true}]",
      [/^notifiers\.0\.jsn: unknown key \(did you mean "json"\?\)$/],
    ],
    ["Mode: auto", [/^Mode: unknown key \(did you mean "mode"\?\)$/]],
    ["colour: blue", [/^colour: unknown key$/]],
    ["a: &a [1]\nb: *a\nc: x", [/^a: unknown key$/, /^b: unknown key$/, /^c: unknown key$/]],
    ["mode: auto\nmode: kprobe", [/^line 2, column 1: Map keys must be unique$/]],
  ])("%s", async (yaml, expected) => {
    const lines = await check(yaml);
    expect(lines).toHaveLength(expected.length);
    for (const [i, pattern] of expected.entries()) expect(lines[i]).toMatch(pattern);
  });

  test("a bad default from innconfval says where it came from", async () => {
    const lines = await problems(fixture("empty.yaml"), {
      spool: "news/spool",
      activeFile: INN.activeFile,
    });
    expect(lines).toEqual([
      `${fixture("empty.yaml")}: spool: expected an absolute path (default from INN's innconfval; set spool in the config file)`,
    ]);
  });
});

test("every key of the schema has a description", () => {
  const schema = z.toJSONSchema(configSchema(INN), { io: "input" }) as {
    properties: Record<string, { description?: string }>;
  };
  for (const [key, property] of Object.entries(schema.properties)) {
    expect(property.description, key).toBeTruthy();
  }
});
