/**
 * The architecture, written down and checked: imports point down the ranks of docs/architecture.md,
 * never upward or sideways between folders of one rank, and no module imports itself back through
 * a cycle. A new folder under src/ must be given a rank here.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, posix, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const SRC = join(ROOT, "src");
const DOC = readFileSync(join(ROOT, "docs/architecture.md"), "utf8");

/** Rank of each top-level part of src/ (a folder, or a file at the top). */
const RANKS: Record<string, number> = {
  "cli.ts": 6,
  commands: 5,
  flow: 4,
  delivery: 3,
  config: 3,
  metrics: 3,
  sources: 2,
  storage: 2,
  notify: 2,
  state: 2,
  article: 1,
  inn: 1,
  system: 1,
  stats: 1,
  util: 0,
};

/** Sideways imports between two parts of the same rank that the architecture allows: none yet. */
const ALLOWED_SIDEWAYS = new Set<string>();

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** Relative imports of a module (static, dynamic and type-only), as src-relative paths. */
function importsOf(file: string, text: string): string[] {
  const specs = [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/g),
    ...text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g),
  ].map((m) => m[1] as string);
  return specs
    .filter((s) => s.startsWith("."))
    .map((s) =>
      posix.normalize(posix.join(posix.dirname(relative(SRC, file)), s.replace(/\.js$/, ".ts"))),
    );
}

function partOf(path: string): string {
  return path.split("/")[0] as string;
}

/** Imports that break the ranks: up, or sideways between two parts of one rank. */
function violations(graph: ReadonlyMap<string, string[]>): string[] {
  const bad: string[] = [];
  for (const [from, targets] of graph) {
    for (const to of targets) {
      const [a, b] = [partOf(from), partOf(to)];
      if (a === b) continue;
      const [ra, rb] = [RANKS[a] ?? -1, RANKS[b] ?? -1];
      if (rb < ra) continue;
      if (rb === ra && ALLOWED_SIDEWAYS.has(`${a}→${b}`)) continue;
      bad.push(`${from} → ${to} (${a} rank ${ra} may not import ${b} rank ${rb})`);
    }
  }
  return bad;
}

/** Every cycle found by a depth-first walk, as "a → b → a". */
function cycles(graph: ReadonlyMap<string, string[]>): string[] {
  const found: string[] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === "open")
        found.push([...stack.slice(stack.indexOf(next)), next].join(" → "));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

/**
 * File names the document mentions (`x.ts`, `a/b.ts`, `scripts/trace.bt`) that exist nowhere they
 * could mean: from the repository's root or from src/; inside the layout block (after a line that
 * starts with `src/DIR/`) in that folder; in prose, in any folder of src/.
 */
function missingNamed(doc: string, paths: readonly string[]): string[] {
  const have = new Set(paths);
  const missing: string[] = [];
  let folder: string | null = null;
  let inBlock = false;
  for (const line of doc.split("\n")) {
    if (line.startsWith("```")) {
      inBlock = !inBlock;
      folder = null;
    }
    const lead = /^src\/([\w-]+)\//.exec(line);
    if (lead) folder = lead[1] as string;
    for (const m of line.matchAll(/(?<![\w./-])((?:[\w-]+\/)*[\w-]+\.(?:ts|bt|md))\b/g)) {
      const name = m[1] as string;
      const found = inBlock
        ? [name, `src/${name}`, `src/${folder}/${name}`].some((p) => have.has(p))
        : have.has(name) || paths.some((p) => p.startsWith("src/") && p.endsWith(`/${name}`));
      if (!found) missing.push(name);
    }
  }
  return missing;
}

/** The rank table of the document (its "## Import rules" section): folder (or file) → rank. */
function documentedRanks(doc: string): Record<string, number> {
  const ranks: Record<string, number> = {};
  const section = doc.split(/^## /m).find((s) => s.startsWith("Import rules")) ?? "";
  for (const m of section.matchAll(/^\| (\d+) \| (.+) \|$/gm)) {
    for (const part of (m[2] as string).matchAll(/`([^`]+?)\/?`/g))
      ranks[part[1] as string] = Number(m[1]);
  }
  return ranks;
}

const graph = new Map<string, string[]>();
for (const f of files(SRC)) graph.set(relative(SRC, f), importsOf(f, readFileSync(f, "utf8")));

describe("architecture (docs/architecture.md)", () => {
  it("every part of src/ has a rank", () => {
    const parts = [...new Set([...graph.keys()].map(partOf))];
    expect(parts.filter((p) => RANKS[p] === undefined)).toEqual([]);
  });

  it("imports point down the ranks, never up or sideways", () => {
    expect(violations(graph)).toEqual([]);
  });

  it("no import cycles", () => {
    expect(cycles(graph)).toEqual([]);
  });

  it("the checks can fail: an upward import, a sideways one and a cycle are each reported", () => {
    const text = 'import { x } from "../commands/watch.js";\nimport type { Y } from "./b.js";';
    expect(importsOf(join(SRC, "article/a.ts"), text)).toEqual([
      "commands/watch.ts",
      "article/b.ts",
    ]);
    const bad = new Map([
      ["article/a.ts", ["commands/watch.ts", "article/b.ts"]],
      ["article/b.ts", ["article/a.ts"]],
      ["notify/n.ts", ["storage/s.ts", "util/u.ts"]],
    ]);
    expect(violations(bad)).toEqual([
      "article/a.ts → commands/watch.ts (article rank 1 may not import commands rank 5)",
      "notify/n.ts → storage/s.ts (notify rank 2 may not import storage rank 2)",
    ]);
    expect(cycles(bad)).toEqual(["article/a.ts → article/b.ts → article/a.ts"]);
  });

  it("every file docs/architecture.md names exists", () => {
    const paths = [
      ...files(SRC).map((f) => relative(ROOT, f)),
      ...["scripts/trace.bt", "test/unit/architecture.test.ts"].filter((p) =>
        existsSync(join(ROOT, p)),
      ),
      ...readdirSync(join(ROOT, "docs")).map((f) => `docs/${f}`),
    ];
    expect(missingNamed(DOC, paths)).toEqual([]);
  });

  it("the ranks here are the document's", () => {
    expect(documentedRanks(DOC)).toEqual(RANKS);
  });

  it("the document checks can fail: a missing file and a rank table that differs are reported", () => {
    const doc =
      "```\nsrc/flow/  pipeline.ts, gone.ts, work.ts\n```\n`util/nope.ts`, work.ts, scripts/trace.bt\n";
    const there = ["src/flow/pipeline.ts", "src/delivery/work.ts", "scripts/trace.bt"];
    expect(missingNamed(doc, there)).toEqual(["gone.ts", "work.ts", "util/nope.ts"]);
    const table =
      "## Import rules\n| 3 | `delivery/`, `config/` |\n| 6 | `cli.ts` |\n## Exit\n| 1 | `x` |";
    expect(documentedRanks(table)).toEqual({
      delivery: 3,
      config: 3,
      "cli.ts": 6,
    });
  });
});
