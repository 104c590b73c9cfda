// @ts-check
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { BIN, shimNodeArgs } from "../lib/contenders/newsnotify.mjs";

test("node flags come from the shim's first line, as `env -S` passes them", () => {
  const dir = mkdtempSync(join(tmpdir(), "bench-shim-"));
  const cases = [
    ["#!/usr/bin/env node", []],
    ["#!/usr/bin/env -S node --max-semi-space-size=2", ["--max-semi-space-size=2"]],
    ["#!/usr/bin/env -S node --a=1  --b ", ["--a=1", "--b"]],
    ["#!/bin/sh", []],
  ];
  for (const [line, expected] of cases) {
    const file = join(dir, "shim");
    writeFileSync(file, `${line}\nimport "x";\n`);
    assert.deepEqual(shimNodeArgs(file), expected, String(line));
  }
  // The checkout's own shim: what the bench runs.
  assert.ok(Array.isArray(shimNodeArgs(BIN)));
});
