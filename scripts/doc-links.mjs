#!/usr/bin/env node
// doc-links.mjs — the relative links of the Markdown documentation, read one way for the link test
// (test/unit/docs/links.test.ts) and for the Debian package (scripts/build-deb.sh ships README.md,
// docs/*.md and every file they link to, at the same relative paths, so each link works from
// /usr/share/doc/newsnotify as it does in the repository).
//
// USAGE: node scripts/doc-links.mjs ship FILE.md...   prints FILE.md... and every file they link to,
//                                                     transitively through linked .md files, one
//                                                     repository-relative path a line
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** Text with fenced code blocks and inline code spans blanked out (line numbers kept). */
export function withoutCode(text) {
  return withoutCodeBlocks(text)
    .split("\n")
    .map((line) => line.replace(/(`+)(.+?)\1/g, (s) => " ".repeat(s.length)))
    .join("\n");
}

/** Text with fenced code blocks blanked out (line numbers kept). */
function withoutCodeBlocks(text) {
  let fence = null;
  return text
    .split("\n")
    .map((line) => {
      const m = /^\s*(`{3,}|~{3,})/.exec(line);
      if (fence) {
        if (m && m[1][0] === fence[0] && m[1].length >= fence.length) fence = null;
        return "";
      }
      if (m) {
        fence = m[1];
        return "";
      }
      return line;
    })
    .join("\n");
}

/**
 * The relative links of a Markdown text: `[text](target)` and `![alt](target)`, outside code, not
 * URLs with a scheme (http:, mailto:, ...). `path` is "" for a link to an anchor of the same file.
 */
export function relativeLinks(text) {
  const links = [];
  const lines = withoutCode(text).split("\n");
  lines.forEach((line, i) => {
    for (const m of line.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = m[1];
      if (target === "" || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      const hash = target.indexOf("#");
      links.push({
        line: i + 1,
        target,
        path: decodeURI(hash < 0 ? target : target.slice(0, hash)),
        anchor: hash < 0 ? null : decodeURIComponent(target.slice(hash + 1)),
      });
    }
  });
  return links;
}

/** GitHub's anchors for a Markdown text's headings (lowercase, punctuation dropped, - for spaces). */
export function headingAnchors(text) {
  const seen = new Map();
  const anchors = new Set();
  for (const line of withoutCodeBlocks(text).split("\n")) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const plain = m[1]
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/<[^>]+>/g, "")
      .toLowerCase();
    const base = plain
      .replace(/[^\p{L}\p{N}\p{M} _-]/gu, "")
      .trim()
      .replace(/ /g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** FILES (repository-relative) and every existing file they link to, transitively through .md. */
export function shipClosure(root, files) {
  const out = new Set();
  const todo = [...files];
  while (todo.length > 0) {
    const file = normalize(todo.shift());
    if (out.has(file)) continue;
    out.add(file);
    if (!file.endsWith(".md")) continue;
    for (const link of relativeLinks(readFileSync(join(root, file), "utf8"))) {
      if (link.path === "") continue;
      const target = normalize(join(dirname(file), link.path));
      const abs = join(root, target);
      if (existsSync(abs) && statSync(abs).isFile() && !relative(root, abs).startsWith("..")) {
        todo.push(target);
      }
    }
  }
  return [...out].sort();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [cmd, ...files] = process.argv.slice(2);
  if (cmd !== "ship" || files.length === 0) {
    console.error("usage: node scripts/doc-links.mjs ship FILE.md...");
    process.exit(2);
  }
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  for (const f of shipClosure(root, files)) console.log(f);
}
