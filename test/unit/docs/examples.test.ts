/**
 * The configs an admin copies from the README's "A minimal config" and from the man page's EXAMPLES
 * load as written (issue 24: an example that does not load is the first thing a new admin meets).
 */

import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/schema.js";

const ROOT = new URL("../../..", import.meta.url).pathname;
const INN = { spool: "/var/spool/news/articles", activeFile: "/var/lib/news/active" };

/** The first ```yaml block after the heading line `heading`. */
function readmeYaml(heading: string): string {
  const text = readFileSync(join(ROOT, "README.md"), "utf8");
  const from = text.indexOf(`\n${heading}\n`);
  expect(from, heading).toBeGreaterThan(0);
  const m = /```yaml\n([\s\S]*?)\n```/.exec(text.slice(from));
  expect(m, `a yaml block under ${heading}`).not.toBeNull();
  return m?.[1] ?? "";
}

/** The .nf/.fi block of the man page's EXAMPLES that holds a config, roff escapes undone. */
function manYaml(): string {
  const man = readFileSync(join(ROOT, "packaging/deb/newsnotify.1"), "utf8");
  const examples = man.slice(man.indexOf(".SH EXAMPLES"), man.indexOf(".SH SEE ALSO"));
  const block = [...examples.matchAll(/^\.nf\n([\s\S]*?)^\.fi$/gm)]
    .map((m) => m[1] ?? "")
    .find((b) => b.startsWith("notifiers:"));
  expect(block, "a config among the man page's examples").toBeDefined();
  return (block ?? "").replace(/\\-/g, "-").replace(/\\e/g, "\\");
}

const dir = await mkdtemp(join(tmpdir(), "nn-doc-examples-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("configs shown to admins load as written", () => {
  it.each<[string, () => string]>([
    ["README.md, A minimal config", () => readmeYaml("## A minimal config")],
    ["newsnotify(1), EXAMPLES", manYaml],
  ])("%s", async (name, yaml) => {
    const file = join(dir, `${name.replace(/\W+/g, "-")}.yaml`);
    await writeFile(file, yaml(), { mode: 0o600 });
    const config = await loadConfig(file, INN);
    expect(config.notifiers.map((n) => n.type)).toEqual(["slack", "email"]);
  });

  it("a broken example would fail (the loader is not lenient)", async () => {
    const file = join(dir, "broken.yaml");
    await writeFile(file, "notifiers:\n  - type: email\n    to: root@localhost\n", { mode: 0o600 });
    await expect(loadConfig(file, INN)).rejects.toThrow(/to: expected a list/);
  });
});

/** Every whole config (a ```yaml block that starts with `notifiers:`) in a document. */
function wholeConfigs(doc: string): [string, string][] {
  const text = readFileSync(join(ROOT, doc), "utf8");
  return [...text.matchAll(/```yaml\n([\s\S]*?)\n```/g)]
    .map((m) => m[1] ?? "")
    .filter((b) => b.startsWith("notifiers:"))
    .map((b, i) => [`${doc} #${i + 1}`, b]);
}

/** A value of the kind the variable's name says (a webhook URL, a bot token, a secret). */
function envValue(name: string): string {
  if (/URL|HOOK/.test(name)) return "https://hooks.example.net/services/abc";
  if (/TELEGRAM/.test(name)) return "123456789:AAsecret";
  return "secret123";
}

describe("every whole config in the docs loads as written", () => {
  const blocks = [...wholeConfigs("docs/notifiers.md"), ...wholeConfigs("README.md")];
  it("finds them (the scan is not empty)", () => {
    expect(blocks.length).toBeGreaterThan(3);
  });
  it.each(blocks)("%s", async (name, yaml) => {
    const file = join(dir, `${name.replace(/\W+/g, "-")}.yaml`);
    await writeFile(file, yaml, { mode: 0o600 });
    // The examples' ${env:…} values, as an admin's environment would give them.
    for (const [, v = ""] of yaml.matchAll(/\$\{env:(\w+)\}/g)) process.env[v] ??= envValue(v);
    const problem = await loadConfig(file, INN).then(
      () => "",
      (e: Error) => e.message,
    );
    expect(problem).toBe("");
  });
});
