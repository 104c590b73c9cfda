import { rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = join(import.meta.dirname, "../..");

/**
 * A TypeScript entry bundled to JavaScript from the sources under test, for a worker thread or a
 * child process in a unit test (neither can load TypeScript on node 18 or 20). Written inside
 * node_modules so that its packages (emailjs-mime-parser...) resolve as in dist/.
 */
export async function bundleEntry(
  entry: string,
): Promise<{ path: string; url: URL; remove(): void }> {
  const name = entry.replace(/^.*\//, "").replace(/\.ts$/, "");
  const path = join(root, "node_modules/.cache/newsnotify-test", `${name}-${process.pid}.mjs`);
  await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    platform: "node",
    format: "esm",
    packages: "external",
    outfile: path,
    logLevel: "error",
  });
  return { path, url: pathToFileURL(path), remove: () => rmSync(path, { force: true }) };
}
