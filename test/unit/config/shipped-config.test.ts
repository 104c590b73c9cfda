/**
 * The config the package ships (/etc/newsnotify/newsnotify.yaml): as shipped, and with each of its
 * commented examples uncommented in turn, it loads through the real loader. An admin's first edit is
 * uncommenting one of them.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../../../src/config/schema.js";

const SHIPPED = new URL("../../../packaging/deb/newsnotify.yaml", import.meta.url).pathname;
const INN = { spool: "/var/spool/news/articles", activeFile: "/var/lib/news/active" };

/** An example starts with `# key:` (a key without spaces) or `# - `, after the YAML's indentation. */
const START = /^(\s*)# (- |[A-Za-z][A-Za-z0-9]*:(\s|$))/;

interface Example {
  /** The example's first line, uncommented: what the table below names it by. */
  first: string;
  /** The whole file with this example, and only it, uncommented. */
  text: string;
}

/**
 * Pure: each commented example of `text`, the file with it uncommented. An example is a start line
 * and the comment lines after it at the same indentation whose content is indented deeper (its
 * continuation: a list item's keys).
 */
function commentedExamples(text: string): Example[] {
  const lines = text.split("\n");
  const out: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = START.exec(lines[i] ?? "");
    if (!m) continue;
    const indent = m[1] ?? "";
    const uncomment = (l: string) => indent + l.slice(indent.length + 2);
    const deeper = new RegExp(`^${indent}# {2,}\\S`);
    let end = i + 1;
    while (end < lines.length && deeper.test(lines[end] ?? "")) end++;
    const copy = [...lines];
    for (let j = i; j < end; j++) copy[j] = uncomment(lines[j] ?? "");
    out.push({ first: uncomment(lines[i] ?? "").trim(), text: copy.join("\n") });
  }
  return out;
}

describe("commentedExamples", () => {
  it.each([
    ["a top-level key", "a: 1\n# b: 2\n", ["b: 2"], "a: 1\nb: 2\n"],
    [
      "prose is not an example",
      "# Secrets here: none\n# see: x y\n",
      ["see: x y"],
      "# Secrets here: none\nsee: x y\n",
    ],
    [
      "a list item and its keys",
      "l:\n  - x\n  # - type: w\n  #   url: u\n  # prose\n",
      ["- type: w"],
      "l:\n  - x\n  - type: w\n    url: u\n  # prose\n",
    ],
  ])("%s", (_what, text, firsts, uncommented) => {
    const got = commentedExamples(text);
    expect(got.map((e) => e.first)).toEqual(firsts);
    expect(got.at(-1)?.text).toBe(uncommented);
  });
});

describe("the shipped newsnotify.yaml", () => {
  const text = readFileSync(SHIPPED, "utf8");
  const examples = commentedExamples(text);
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "newsnotify-shipped-"));
    // The webhook, Slack and NNTP examples take their secrets from the service's environment.
    vi.stubEnv("NEWSNOTIFY_TOKEN", "s3cret");
    vi.stubEnv("SLACK_SECRET", "XXXX");
    vi.stubEnv("NNTP_PASSWORD", "pw");
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await rm(dir, { recursive: true, force: true });
  });

  const load = async (name: string, yaml: string) => {
    const file = join(dir, name);
    await writeFile(file, yaml, { mode: 0o600 });
    return loadConfig(file, INN);
  };

  it("loads as shipped: the stdout notifier", async () => {
    const config = await load("as-shipped.yaml", text);
    expect(config.notifiers).toEqual([{ type: "stdout", json: false }]);
  });

  // Every example the file has today: one that disappears or is renamed must be looked at.
  it.each([
    ["spool: /var/spool/news/articles", (c) => c.spool === "/var/spool/news/articles"],
    ["activeFile: /var/lib/news/active", (c) => c.activeFile === "/var/lib/news/active"],
    ["stateDir: /var/lib/newsnotify", (c) => c.stateDir === "/var/lib/newsnotify"],
    [
      "catchUp: { nntp:",
      (c) => c.catchUp.nntp?.user === "newsnotify" && c.catchUp.maxArticles === 1000,
    ],
    ['metrics: { listen: "127.0.0.1:9464" }', (c) => c.metrics?.listen === "127.0.0.1:9464"],
    ["- type: webhook", (c) => c.notifiers[1]?.type === "webhook"],
    ["- slack://", (c) => c.notifiers[1]?.type === "slack"],
    ["- type: exec", (c) => c.notifiers[1]?.type === "exec"],
  ] as [string, (c: Awaited<ReturnType<typeof loadConfig>>) => boolean][])(
    "uncommented, %s loads",
    async (first, holds) => {
      const found = examples.filter((e) => e.first.startsWith(first));
      expect(found, `examples: ${examples.map((e) => e.first).join(" | ")}`).toHaveLength(1);
      const config = await load("example.yaml", found[0]?.text ?? "");
      expect(holds(config)).toBe(true);
    },
  );

  it("has no example the table above does not name", () => {
    expect(examples).toHaveLength(8);
  });
});
