/**
 * Every relative link in the README, docs/ and the man page leads somewhere (issue 24): the file
 * exists, an anchor names a heading of it, and what the Debian package ships (README.md, docs/*.md
 * and the files they link to, scripts/build-deb.sh via scripts/doc-links.mjs) links only to files
 * it ships, so the links work from /usr/share/doc/newsnotify too. The e2e deb test checks the same in
 * the unpacked package.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";
import { headingAnchors, relativeLinks, shipClosure } from "../../../scripts/doc-links.mjs";

const ROOT = new URL("../../..", import.meta.url).pathname;
const read = (f: string) => readFileSync(join(ROOT, f), "utf8");
const DOCS = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];
const SHIPPED = shipClosure(ROOT, DOCS);

/** Problems with FILE's relative links, one line each. */
function problems(file: string): string[] {
  const out: string[] = [];
  for (const link of relativeLinks(read(file))) {
    const target = link.path === "" ? file : normalize(join(dirname(file), link.path));
    const at = `${file}:${link.line}: (${link.target})`;
    if (!existsSync(join(ROOT, target))) {
      out.push(`${at} no such file ${target}`);
      continue;
    }
    if (!statSync(join(ROOT, target)).isFile()) {
      out.push(`${at} ${target} is a directory (not shipped: link a file)`);
      continue;
    }
    if (
      link.anchor !== null &&
      target.endsWith(".md") &&
      !headingAnchors(read(target)).has(link.anchor)
    ) {
      out.push(`${at} no heading #${link.anchor} in ${target}`);
    }
    if (SHIPPED.includes(file) && !SHIPPED.includes(target)) {
      out.push(`${at} ${target} is not shipped in /usr/share/doc/newsnotify`);
    }
  }
  return out;
}

describe("the link check itself", () => {
  it.each<[string, string, string[]]>([
    ["a link", "see [the docs](docs/x.md#a-b) and ![img](a.svg)", ["docs/x.md#a-b", "a.svg"]],
    [
      "URLs and code are not links",
      "[w](https://x) `[c](c.md)` [m](mailto:a@b)\n```\n[f](f.md)\n```",
      [],
    ],
    ["an anchor alone", "[up](#install-debian-12-or-13)", ["#install-debian-12-or-13"]],
  ])("%s", (_name, text, targets) => {
    expect(relativeLinks(text).map((l) => l.target)).toEqual(targets);
  });

  it.each<[string, string]>([
    ["## Install (Debian 12 or 13)", "install-debian-12-or-13"],
    [
      "## Speed: newsnotify beside inotifywait and INN's channel feed",
      "speed-newsnotify-beside-inotifywait-and-inns-channel-feed",
    ],
    ["### `gchat` (Google Chat)", "gchat-google-chat"],
    [
      "## Issue 12 at commit 656a344 (2026-12-02, 3 runs)",
      "issue-12-at-commit-656a344-2026-12-02-3-runs",
    ],
  ])("GitHub's anchor of %s is #%s", (heading, anchor) => {
    expect([...headingAnchors(heading)]).toEqual([anchor]);
  });

  it("finds a dead link, a missing anchor, a directory and an unshipped target", () => {
    const text = "[a](nope.md) [b](README.md#no-such-heading) [c](docs) [d](package.json)";
    const found = relativeLinks(text).map((l) => {
      const abs = join(ROOT, l.path);
      if (!existsSync(abs)) return "missing";
      if (!statSync(abs).isFile()) return "directory";
      if (l.anchor && !headingAnchors(read(l.path)).has(l.anchor)) return "anchor";
      return SHIPPED.includes(l.path) ? "ok" : "unshipped";
    });
    expect(found).toEqual(["missing", "anchor", "directory", "unshipped"]);
  });
});

describe("relative links in the README and docs/", () => {
  it.each(DOCS)("%s", (file) => {
    expect(problems(file)).toEqual([]);
  });
});

describe("the man page", () => {
  const man = read("packaging/deb/newsnotify.1");

  it("names only files the package ships under /usr/share/doc/newsnotify", () => {
    const named = [...man.matchAll(/\/usr\/share\/doc\/newsnotify\/([^\s\\]*)/g)].map(
      (m) => m[1] ?? "",
    );
    expect(named.length).toBeGreaterThan(0);
    for (const f of named) {
      if (f === "" || f.endsWith("/")) expect(SHIPPED.some((s) => s.startsWith(f))).toBe(true);
      else expect(SHIPPED, f).toContain(f);
    }
  });

  it("has the sections an admin looks for, and INN's own pages in SEE ALSO", () => {
    for (const section of [
      "SYNOPSIS",
      "OPTIONS",
      "SIGNALS",
      "ENVIRONMENT",
      "EXIT STATUS",
      "FILES",
      "EXAMPLES",
      "SEE ALSO",
    ]) {
      expect(man).toMatch(new RegExp(`^\\.SH ${section}$`, "m"));
    }
    const seeAlso = man.slice(man.indexOf(".SH SEE ALSO"));
    for (const page of ["newsfeeds", "storage.conf", "readers.conf", "innd", "bpftrace"]) {
      expect(seeAlso).toContain(`.BR ${page} (`);
    }
  });
});
