/**
 * The Debian package as scripts/build-deb.sh makes it: contents and modes, control fields, conffile,
 * lintian (errors and warnings fail), and the bundled CLI run from the unpacked package, away from the
 * checkout's node_modules: it finds trace.bt beside itself, parses a multipart article (the lazily
 * loaded MIME parser is inside the bundle) and loads the shipped config as is. Installing it and
 * running it under systemd is the systemd VM lane (test/vm/run.sh --lane systemd).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { relativeLinks } from "../../scripts/doc-links.mjs";
import { requirePrerequisites } from "../helpers/inn.js";

const ROOT = new URL("../..", import.meta.url).pathname;
const BIN = join(ROOT, "bin/newsnotify");
const MULTIPART = join(ROOT, "fixtures/articles/multipart-alternative.wire");
const out = mkdtempSync(join(tmpdir(), "newsnotify-deb-"));
let deb = "";
const unpacked = join(out, "root");
const bundle = join(unpacked, "usr/lib/newsnotify/newsnotify.js");
// cwd "/" and no NODE_PATH: nothing outside the package can be picked up.
const runBundle = (args: string[]) =>
  execa(bundle, args, {
    cwd: "/",
    env: { PATH: process.env.PATH },
    extendEnv: false,
    reject: false,
    stripFinalNewline: false,
  });

describe("the Debian package", () => {
  beforeAll(async () => {
    requirePrerequisites();
    const built = await execa(join(ROOT, "scripts/build-deb.sh"), [out], {
      env: { LINTIAN: "1" },
      reject: false,
    });
    if (built.exitCode !== 0) throw new Error(`build-deb.sh failed:\n${built.stderr}`);
    deb = built.stdout.trim().split("\n").at(-1) ?? "";
    execFileSync("dpkg-deb", ["-x", deb, unpacked]);
  });

  it.each([
    ["-rwxr-xr-x", "./usr/lib/newsnotify/newsnotify.js"],
    ["-rw-r--r--", "./usr/lib/newsnotify/parse-thread-main.js"],
    ["-rw-r--r--", "./usr/lib/newsnotify/trace.bt"],
    ["-rw-r--r--", "./usr/lib/newsnotify/package.json"],
    ["lrwxrwxrwx", "./usr/bin/newsnotify -> ../lib/newsnotify/newsnotify.js"],
    ["-rw-r--r--", "./usr/lib/systemd/system/newsnotify.service"],
    ["-rwxr-xr-x", "./usr/libexec/newsnotify/bpftrace"],
    ["-rw-r-----", "./etc/newsnotify/newsnotify.yaml"],
    ["drwx------", "./var/lib/newsnotify/"],
    ["-rw-r--r--", "./usr/share/man/man1/newsnotify.1.gz"],
    ["-rw-r--r--", "./usr/share/doc/newsnotify/copyright"],
    ["-rw-r--r--", "./usr/share/doc/newsnotify/README.md"],
    ["-rw-r--r--", "./usr/share/doc/newsnotify/docs/notifiers.md"],
  ])("ships %s %s, owned by root", (mode, path) => {
    const listing = execFileSync("dpkg-deb", ["-c", deb], { encoding: "utf8" }).split("\n");
    const line = listing.find((l) => l.endsWith(` ${path}`));
    expect(line, `${path} in dpkg -c`).toBeDefined();
    expect(line?.split(/\s+/).slice(0, 2)).toEqual([mode, "root/root"]);
  });

  it("has the control fields and the conffile", () => {
    const field = (f: string) =>
      execFileSync("dpkg-deb", ["-f", deb, f], { encoding: "utf8" }).trim();
    expect(field("Package")).toBe("newsnotify");
    expect(field("Architecture")).toBe("all");
    expect(field("Depends")).toBe("nodejs (>= 18.20), bpftrace");
    expect(field("Recommends")).toBe("inn2");
    const conffiles = execFileSync("dpkg-deb", ["--ctrl-tarfile", deb]);
    expect(conffiles.toString("latin1")).toContain("/etc/newsnotify/newsnotify.yaml\n");
  });

  it("runs from the package: the same program as the checkout's CLI (trace.bt found beside it)", async () => {
    const args = ["script", "--mode", "tracepoint", "--depth", "8"];
    const fromDeb = await runBundle(args);
    expect(fromDeb.stderr).toBe("");
    const fromCheckout = execFileSync(BIN, args, { encoding: "utf8" });
    expect(fromDeb.stdout).toBe(fromCheckout);
    expect(fromDeb.stdout).toContain("tracepoint:syscalls:sys_enter_openat");
  });

  it("parses a multipart article with the MIME parser inside the bundle, in the parse thread", async () => {
    const r = await runBundle(["test-hook", MULTIPART]);
    expect(r.exitCode, r.stderr).toBe(0);
    // A parse thread that cannot start would say so, and the snippet would be empty.
    expect(r.stderr).toBe("");
    const fromCheckout = execFileSync(BIN, ["test-hook", MULTIPART], { encoding: "utf8" });
    expect(r.stdout).toBe(fromCheckout);
  });

  it("runs on a node that does not guess ESM from the syntax (Debian 12's 18): package.json says so", async () => {
    // Node 18 loads a .js file with no "type" in reach as CommonJS and stops at the bundle's first
    // import (seen on 18.20.4: "Cannot use import statement outside a module"); node >= 20.19 guesses
    // ESM from the syntax, unless told not to: the same test on either.
    const major = Number(process.versions.node.split(".")[0]);
    const noGuess = major >= 20 ? ["--no-experimental-detect-module"] : [];
    expect(
      JSON.parse(readFileSync(join(unpacked, "usr/lib/newsnotify/package.json"), "utf8")),
    ).toEqual({
      type: "module",
    });
    // test-hook on a multipart article: the main bundle and the parse thread's entry both load.
    const r = await execa("/usr/bin/node", [...noGuess, bundle, "test-hook", MULTIPART], {
      cwd: "/",
      env: { PATH: process.env.PATH },
      extendEnv: false,
      reject: false,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("multipart/alternative");
  });

  it("has every relative link of its docs working from /usr/share/doc/newsnotify, and the man page's paths", () => {
    const doc = join(unpacked, "usr/share/doc/newsnotify");
    const mds = execFileSync("find", [doc, "-name", "*.md"], { encoding: "utf8" })
      .trim()
      .split("\n");
    expect(mds.map((f) => f.slice(doc.length + 1))).toContain("docs/bench.md");
    const dead: string[] = [];
    for (const md of mds) {
      for (const link of relativeLinks(readFileSync(md, "utf8"))) {
        const target = link.path === "" ? md : join(dirname(md), link.path);
        if (!existsSync(target))
          dead.push(`${md.slice(doc.length + 1)}:${link.line}: ${link.target}`);
      }
    }
    expect(dead).toEqual([]);
    const man = execFileSync(
      "sh",
      ["-c", `gzip -dc '${join(unpacked, "usr/share/man/man1/newsnotify.1.gz")}'`],
      {
        encoding: "utf8",
      },
    );
    const named = [...man.matchAll(/\/usr\/share\/doc\/newsnotify\/[^\s\\]*/g)].map((m) => m[0]);
    expect(named.length).toBeGreaterThan(0);
    for (const path of named) expect(existsSync(join(unpacked, path)), path).toBe(true);
  });

  it("loads the shipped config as is (stdout notifier)", async () => {
    const r = await runBundle([
      "test-hook",
      MULTIPART,
      "--config",
      join(unpacked, "etc/newsnotify/newsnotify.yaml"),
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/== stdout\n/);
  });
});
