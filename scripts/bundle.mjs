#!/usr/bin/env node
// bundle.mjs — the CLI as one JavaScript file (esbuild), for the Debian package (scripts/build-deb.sh).
//
// USAGE: node scripts/bundle.mjs OUT.js [PACKAGES.txt]
//        PACKAGES.txt: the npm packages inside the bundle, one "name version license" per line (for
//        the package's copyright file)
//        Also writes parse-thread-main.js beside OUT.js: the parse thread's entry
//        (src/storage/parse-thread.ts starts it from beside itself), bundled the same way.
//
// The bundle needs only node (>= 18.20: Debian 12's; esbuild's target below) and trace.bt beside it (src/sources/generate.ts readTemplate).
// Two things esbuild cannot see on its own:
// - src/article/mime.ts loads emailjs-mime-parser lazily with createRequire(import.meta.url)(...), which
//   would look for node_modules next to the bundle; rewritten to a plain require(...) esbuild bundles,
//   still lazy (a CommonJS module in a bundle runs at its first require). A src file left with the
//   pattern after the rewrite fails the build, so a new lazy load cannot silently escape.
// - bundled CommonJS dependencies require node's builtins: the banner gives the ESM bundle a require.
// - pg (cluster mode) requires the optional native binding pg-native only behind its lazy
//   `pg.native` getter, which newsnotify never reads: pg-native is external (not installed, not
//   bundled), so that require stays a runtime one that never runs.
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const out = process.argv[2];
if (!out) {
  console.error("usage: node scripts/bundle.mjs OUT.js");
  process.exit(2);
}
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const LAZY = /createRequire\(import\.meta\.url\)\(/g;

const lazyRequire = {
  name: "lazy-require",
  setup(b) {
    b.onLoad({ filter: /[/\\]src[/\\].*\.ts$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      return { contents: source.replace(LAZY, "require("), loader: "ts" };
    });
  },
};

/** What both bundles share: the lazy requires rewritten, a require for CommonJS code, no whitespace. */
const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node18",
  plugins: [lazyRequire],
  legalComments: "eof",
  // Without comments and indentation: a few comments of the dependencies hold characters above
  // U+00FF (§, –, →), which made V8 keep the whole 4 MB source as UTF-16; node once ready was
  // 105 MB against 73 MB from dist/ (bench, 3 runs). Names stay, so stack traces still read.
  minifyWhitespace: true,
  logLevel: "warning",
  metafile: true,
  external: ["pg-native"],
};
const requireBanner =
  "// newsnotify, bundled by scripts/bundle.mjs (esbuild). Source: the project's src/.\n" +
  'import { createRequire as __nnCreateRequire } from "node:module";\n' +
  "const require = __nnCreateRequire(import.meta.url);";

const result = await build({
  ...common,
  stdin: {
    contents: 'import { main } from "./src/cli.ts";\nmain(process.argv);\n',
    resolveDir: root,
    sourcefile: "newsnotify-entry.ts",
    loader: "ts",
  },
  outfile: out,
  banner: { js: `#!/usr/bin/node --max-semi-space-size=2\n${requireBanner}` },
});
const worker = join(dirname(out), "parse-thread-main.js");
await build({
  ...common,
  entryPoints: [join(root, "src/storage/parse-thread-main.ts")],
  outfile: worker,
  banner: { js: requireBanner },
});
const text = await readFile(out, "utf8");
for (const [file, code] of [
  [out, text],
  [worker, await readFile(worker, "utf8")],
]) {
  if (LAZY.test(code)) {
    console.error(`${file}: a createRequire(import.meta.url)(...) call is left in the bundle`);
    process.exit(1);
  }
}
const inputs = Object.keys(result.metafile.inputs);
for (const must of ["emailjs-mime-parser", "ky", "zod", "commander", "yaml", "execa", "pg"]) {
  if (!inputs.some((i) => i.includes(`node_modules/${must}/`))) {
    console.error(`${out}: ${must} is not in the bundle`);
    process.exit(1);
  }
}
if (process.argv[3]) {
  // node_modules/<name>/ or node_modules/@scope/<name>/, the innermost one for nested copies.
  const dirs = new Set();
  for (const i of inputs) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(i);
    if (m) dirs.add(m[1]);
  }
  const lines = new Set();
  for (const d of dirs) {
    const pkg = JSON.parse(await readFile(join(root, d, "package.json"), "utf8"));
    lines.add(`${pkg.name} ${pkg.version} ${pkg.license ?? "UNKNOWN"}`);
  }
  await writeFile(process.argv[3], `${[...lines].sort().join("\n")}\n`);
}
console.log(`${out}: ${(text.length / 1024).toFixed(0)} KB from ${inputs.length} files`);
