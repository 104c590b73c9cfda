import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SmError, smRead, splitArticles } from "../../../src/storage/sm.js";
import { TokenReader } from "../../../src/storage/token-reader.js";
import { requireRoot } from "../../helpers/root.js";

const art = (id: string, body = "body") =>
  `Path: x\r\nMessage-ID: <${id}@x>\r\n\r\n${body}\r\n.\r\n`;

describe("splitArticles", () => {
  it.each([
    ["none", "", []],
    ["one", art("a"), [art("a")]],
    ["two", art("a") + art("b"), [art("a"), art("b")]],
    [
      "dot-stuffed lines and a '.x' line",
      art("a", "..\r\n.x\r\n..."),
      [art("a", "..\r\n.x\r\n...")],
    ],
    ["an empty body", "Path: x\r\n\r\n.\r\n", ["Path: x\r\n\r\n.\r\n"]],
  ])("%s", (_, text, want) => {
    expect(splitArticles(Buffer.from(text)).map((b) => b.toString())).toEqual(want);
  });

  it("output that stops inside an article is an error", () => {
    expect(() => splitArticles(Buffer.from(`${art("a")}Path: x\r\n`))).toThrow(SmError);
  });
});

/**
 * A stand-in for INN's sm with its real behaviour: -R prints each readable article, raw, in order;
 * for the others it warns "sm: could not retrieve TOKEN" on stderr and exits 1 at the end.
 * Readable here: tokens whose last hex digit is even. It logs its argv to prove no shell ran.
 */
function fakeSm(): { bin: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), "nn-sm-"));
  const bin = join(dir, "sm");
  const log = join(dir, "argv.log");
  writeFileSync(
    bin,
    `#!/usr/bin/env node
const fs = require("node:fs");
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify(args) + "\\n");
let ok = true;
for (const t of args.slice(1)) {
  if (parseInt(t[36], 16) % 2 === 0) process.stdout.write("Path: x\\r\\nX-Token: " + t + "\\r\\n\\r\\n.\\r\\n");
  else { process.stderr.write("sm: could not retrieve " + t + "\\n"); ok = false; }
}
process.exit(ok ? 0 : 1);
`,
  );
  chmodSync(bin, 0o755);
  return { bin, log };
}

const tok = (n: number) => `@0303${n.toString(16).toUpperCase().padStart(32, "0")}@`;

describe("smRead (with a stand-in sm)", () => {
  it("as root, an sm in an others-writable directory with no INN user to run it as is refused", async () => {
    requireRoot("the refusal applies to root only");
    const { bin, log } = fakeSm(); // under /tmp: mode 1777
    await expect(smRead([tok(2)], { bin, runAs: null })).rejects.toThrow(
      /refusing to run .*\/sm as root: its directory \/tmp is writable by others/,
    );
    expect(() => readFileSync(log)).toThrow(/ENOENT/);
  });

  it("maps every article to its token, failures named, in batches", async () => {
    const { bin, log } = fakeSm();
    const tokens = Array.from({ length: 7 }, (_, i) => tok(i + 1));
    const got = await smRead(tokens, { bin, batch: 3, identity: {} });
    for (const [i, t] of tokens.entries()) {
      const r = got.get(t);
      if ((i + 1) % 2 === 0) expect(r?.ok && r.article.toString()).toContain(`X-Token: ${t}`);
      else expect(r).toEqual({ ok: false, reason: `could not retrieve ${t}` });
    }
    const runs = (await import("node:fs")).readFileSync(log, "utf8").trim().split("\n");
    expect(runs.map((l) => JSON.parse(l).length - 1)).toEqual([3, 3, 1]);
    expect(JSON.parse(runs[0] as string)[0]).toBe("-R");
  });

  it("refuses what is not a token without running anything for it", async () => {
    const { bin } = fakeSm();
    const bad = ["@x@", "$(reboot)", "@0303000000000000000000000000000002@;ls", `-R${tok(2)}`];
    const got = await smRead([...bad, tok(2)], { bin, identity: {} });
    for (const b of bad) expect(got.get(b)?.ok).toBe(false);
    expect(got.get(tok(2))?.ok).toBe(true);
  });

  it("a missing sm is an SmError", async () => {
    await expect(smRead([tok(2)], { bin: "/nonexistent/sm", identity: {} })).rejects.toThrow(
      /cannot run/,
    );
  });

  it("more articles than readable tokens (an sm that misbehaves) is an SmError, not a misattribution", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nn-sm-"));
    const bin = join(dir, "sm");
    writeFileSync(bin, `#!/bin/sh\nprintf 'A\\r\\n.\\r\\nB\\r\\n.\\r\\n'\n`);
    chmodSync(bin, 0o755);
    await expect(smRead([tok(2)], { bin, identity: {} })).rejects.toThrow(
      /printed 2 articles for 1/,
    );
  });

  it("output over maxBytes is cut off", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nn-sm-"));
    const bin = join(dir, "sm");
    writeFileSync(bin, `#!/bin/sh\nhead -c 1000000 /dev/zero\n`);
    chmodSync(bin, 0o755);
    await expect(smRead([tok(2)], { bin, maxBytes: 10_000, identity: {} })).rejects.toThrow(
      /more than 10000 bytes/,
    );
  });
});

describe("TokenReader (sm, batched)", () => {
  it("one run for the tokens of one turn; those that arrive while runs are busy share the next", async () => {
    const { bin, log } = fakeSm();
    const reader = new TokenReader({ bin, batch: 4, identity: {} }, 1);
    const first = reader.article(tok(2));
    const sameTurn = reader.article(tok(14));
    await new Promise((r) => setImmediate(r)); // the first run starts with the turn's 2 tokens
    const rest = [4, 6, 8, 10, 12, 4].map((n) => reader.article(tok(n)));
    const odd = reader.article(tok(3)).then(
      () => "read",
      (e: Error) => e.message,
    );
    const all = await Promise.all([first, sameTurn, ...rest]);
    expect(all[2]?.toString()).toContain(`X-Token: ${tok(4)}`);
    expect(await odd).toMatch(/^sm: /);
    const runs = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as string[]).length - 1);
    // 2 at once; then 6 distinct waiting (tok(4) asked twice) in batches of 4
    expect(runs).toEqual([2, 4, 2]);
  });

  it("a failed run rejects its callers and the next token still runs", async () => {
    const reader = new TokenReader({ bin: "/nonexistent/sm", identity: {} });
    await expect(reader.article(tok(2))).rejects.toThrow(SmError);
    await expect(reader.article(tok(4))).rejects.toThrow(/cannot run/);
  });
});
