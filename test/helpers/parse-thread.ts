import { rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = join(import.meta.dirname, "../..");

/**
 * The parse thread's entry (src/storage/parse-thread-main.ts) bundled to JavaScript from the
 * sources under test, for a ParseThread in a unit test (a worker thread cannot load TypeScript).
 * Written inside node_modules so that its packages (emailjs-mime-parser...) resolve as in dist/.
 */
export async function parseThreadEntry(): Promise<{ url: URL; remove(): void }> {
  const outfile = join(
    root,
    "node_modules/.cache/newsnotify-test",
    `parse-thread-main-${process.pid}.mjs`,
  );
  await build({
    entryPoints: [join(root, "src/storage/parse-thread-main.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    packages: "external",
    outfile,
    logLevel: "error",
  });
  return { url: pathToFileURL(outfile), remove: () => rmSync(outfile, { force: true }) };
}
