/**
 * The README's lists of sources, storage methods and metric help, checked against the tables they
 * come from (sources/registry.ts, storage/registry.ts, metrics/families.ts): prose cannot import a
 * table, so a test keeps the two the same.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { metricFamilies } from "../../src/metrics/families.js";
import { SOURCE_NAMES, SOURCES } from "../../src/sources/registry.js";
import { Stats } from "../../src/stats/stats.js";
import { STORAGE_METHODS } from "../../src/storage/registry.js";

const README = readFileSync(join(import.meta.dirname, "../../README.md"), "utf8");

/** The rows of the README's storage method table: method → its "seen by" cell. */
function storageRows(text: string): Map<string, string> {
  const rows = new Map<string, string>();
  const table = text.split("### INN's storage methods")[1]?.split("\n\n")[1] ?? "";
  for (const line of table.split("\n").slice(2)) {
    const cells = line.split("|").map((c) => c.trim());
    if (cells[1]) rows.set(cells[1].toLowerCase(), cells[3] ?? "");
  }
  return rows;
}

/** The sources that see `method`, as the README's "seen by" cell writes them. */
function seenBy(method: string): string {
  return SOURCES.filter((s) => (s.sees as readonly string[]).includes(method))
    .map((s) => s.name)
    .join(", ");
}

/** HELP text per metric name, from the README's example exposition. */
function helpLines(text: string): Map<string, string> {
  return new Map(
    [...text.matchAll(/^# HELP (\S+) (.*)$/gm)].map((m) => [m[1] as string, m[2] as string]),
  );
}

describe("README against the registries", () => {
  it("auto's order and the layout name the sources as registry.ts lists them", () => {
    const list = SOURCE_NAMES.join(", ");
    expect(README).toContain(`the first of ${list} that sees every storage method`);
    expect(README).toMatch(new RegExp(`registry \\(auto's order\\), ${list}:`));
  });

  it("the storage table has a row per method newsnotify reads, seen by the sources that see it", () => {
    const rows = storageRows(README);
    expect([...rows.keys()].sort()).toEqual(Object.keys(STORAGE_METHODS).sort());
    for (const [method, cell] of rows) expect(cell, method).toBe(seenBy(method));
  });

  it("every HELP line of the example is the endpoint's own", () => {
    const help = new Map(metricFamilies(new Stats().snapshot()).map((f) => [f.name, f.help]));
    const shown = helpLines(README);
    expect(shown.size).toBeGreaterThan(3);
    for (const [name, text] of shown) expect(text, name).toBe(help.get(name));
  });

  it("the checks can fail: a row seen by the wrong source, a HELP that drifted", () => {
    const table =
      "### INN's storage methods\n\n| method | what | seen by |\n| --- | --- | --- |\n| CNFS | x | kprobe |\n\nmore";
    expect(storageRows(table)).toEqual(new Map([["cnfs", "kprobe"]]));
    expect(seenBy("cnfs")).not.toBe("kprobe");
    expect(helpLines("# HELP a_total Old text.\n")).toEqual(new Map([["a_total", "Old text."]]));
  });
});

describe("the README's headings", () => {
  it("stand once each: a merge that brings a section back twice is caught", () => {
    const headings = [...README.matchAll(/^#{2,3} (.*)$/gm)].map((m) => m[1] as string);
    const twice = headings.filter((h, i) => headings.indexOf(h) !== i);
    expect(twice).toEqual([]);
  });
});
