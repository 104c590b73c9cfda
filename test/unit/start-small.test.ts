/**
 * Issue 22, "start small": a library that only some configs need is loaded only when the config uses
 * it. Checked on the module graph esbuild sees from the CLI's entry (what node would load): the
 * packages reached through static imports are what every `newsnotify watch` pays at start; the
 * others must be behind a dynamic import() that only their users reach.
 */
import { join } from "node:path";
import { build, type Metafile } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");

/**
 * Packages reached from `entry`: through static imports only (what every run loads at start), or
 * through import() too (what some run may load).
 */
function packagesFrom(meta: Metafile, entry: string, dynamic: boolean): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const imp of meta.inputs[file]?.imports ?? []) {
      if (imp.kind !== "import-statement" && !(dynamic && imp.kind === "dynamic-import")) continue;
      if (imp.external) packages.add(imp.path.replace(/^(@[^/]+\/[^/]+|[^/]+).*$/, "$1"));
      else walk(imp.path);
    }
  };
  walk(entry);
  return packages;
}

describe("what every run loads at start", () => {
  let meta: Metafile;
  beforeAll(async () => {
    const result = await build({
      absWorkingDir: ROOT,
      entryPoints: ["src/cli.ts"],
      bundle: true,
      splitting: true,
      format: "esm",
      platform: "node",
      packages: "external",
      metafile: true,
      write: false,
      outdir: "out",
      logLevel: "error",
    });
    meta = result.metafile;
  });

  it("reaches the libraries watch needs at start (the walk sees the graph)", () => {
    const loaded = packagesFrom(meta, "src/cli.ts", false);
    for (const p of ["commander", "zod", "yaml"]) expect(loaded).toContain(p);
  });

  it.each([
    ["pg", "cluster mode's queue (about 6 MB of RSS once ready)"],
    ["nodemailer", "the email notifier"],
    ["mqtt", "the MQTT notifier"],
    ["ky", "the chat notifiers' HTTP client"],
  ])("%s (%s) is not among them: only an import() on its user's path loads it", (pkg) => {
    expect(packagesFrom(meta, "src/cli.ts", false)).not.toContain(pkg);
    expect(packagesFrom(meta, "src/cli.ts", true)).toContain(pkg);
  });
});
