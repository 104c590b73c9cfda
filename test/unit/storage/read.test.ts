import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readHeadWhenWritten, readWhenComplete } from "../../../src/storage/read.js";

const spool = realpathSync(mkdtempSync(join(tmpdir(), "newsnotify-spool-")));
mkdirSync(join(spool, "local", "test"), { recursive: true });
const at = (n: number | string) => join(spool, "local", "test", String(n));
const opts = { maxBytes: 1 << 20, timeoutMs: 2000, settleMs: 100 };
const WIRE = "Message-ID: <a@b>\r\n\r\nbody\r\n.\r\n";

describe("readWhenComplete", () => {
  it("waits for an empty file to be written to its wire-format end", async () => {
    writeFileSync(at(1), "");
    setTimeout(() => appendFileSync(at(1), WIRE.slice(0, 10)), 20);
    setTimeout(() => appendFileSync(at(1), WIRE.slice(10)), 60);
    // No time limit that a loaded machine could reach before those two writes.
    const r = await readWhenComplete(at(1), spool, { ...opts, timeoutMs: 600_000 });
    expect(r.raw.toString()).toBe(WIRE);
    expect(r).toMatchObject({ complete: true, truncated: false, bytes: WIRE.length });
    expect(r.waitedMs).toBeGreaterThanOrEqual(50);
  });

  it("a file not in wire format is complete once its size settles", async () => {
    writeFileSync(at(2), "Message-ID: <a@b>\n\nbody\n");
    const r = await readWhenComplete(at(2), spool, opts);
    expect(r).toMatchObject({ complete: true, bytes: 24 });
  });

  it("an article innd has stored already (its token seen) is read at once, terminator or not", async () => {
    writeFileSync(at(7), "Message-ID: <a@b>\n\nbody\n");
    // Without `stored`, this would wait for the size to settle (10 min) or time out (incomplete).
    const slow = { ...opts, settleMs: 600_000, timeoutMs: 600_000 };
    const r = await readWhenComplete(at(7), spool, { ...slow, stored: true });
    expect(r).toMatchObject({ complete: true, bytes: 24 });
    expect(r.waitedMs).toBeLessThan(slow.settleMs);
  });

  it("caps a huge article and says so", async () => {
    writeFileSync(at(3), `${"x".repeat(10_000)}${WIRE}`);
    const r = await readWhenComplete(at(3), spool, { ...opts, maxBytes: 4096 });
    expect(r.raw.length).toBe(4096);
    expect(r).toMatchObject({ complete: true, truncated: true, bytes: 10_000 + WIRE.length });
  });
});

describe.each([
  ["readWhenComplete", (path: string, o: typeof opts) => readWhenComplete(path, spool, o)],
  [
    "readHeadWhenWritten",
    (path: string, o: typeof opts) => readHeadWhenWritten(path, spool, o, 4096),
  ],
])("%s", (name, read) => {
  it.each([
    [
      "still empty",
      () => writeFileSync(at(`${name}-4`), ""),
      at(`${name}-4`),
      /still empty after 300 ms/,
    ],
    [
      "a symlink",
      () => symlinkSync("/etc/hostname", at(`${name}-5`)),
      at(`${name}-5`),
      /symbolic link; not followed/,
    ],
    [
      "outside the spool",
      () => writeFileSync(join(tmpdir(), `nn-outside-${name}`), WIRE),
      join(tmpdir(), `nn-outside-${name}`),
      /outside the spool/,
    ],
  ])("refuses %s", async (_what, make, path, message) => {
    make();
    await expect(read(path, { ...opts, timeoutMs: 300 })).rejects.toThrow(message);
  });
});

describe("readHeadWhenWritten (routing's first read)", () => {
  const HEAD = "Message-ID: <h@b>\r\nNewsgroups: local.test\r\n\r\n";
  const slow = { maxBytes: 1 << 20, timeoutMs: 600_000, settleMs: 600_000 };

  it.each([
    // [what, file, first, raw expected (null: not ended), complete]
    [
      "header and body in the first read",
      `${HEAD}body\r\n.\r\n`,
      4096,
      `${HEAD}body\r\n.\r\n`,
      true,
    ],
    ["a body still being written: the header alone", `${HEAD}bo`, 4096, `${HEAD}bo`, false],
    [
      "a body past the first read: the header alone",
      `${HEAD}${"b".repeat(9000)}`,
      4096,
      HEAD,
      false,
    ],
    ["a header cut by the first read", `${HEAD}body\r\n.\r\n`, 20, null, false],
    ["no empty line at all", "Message-ID: <h@b>\r\n", 4096, null, false],
  ])("%s", async (_what, text, first, raw, complete) => {
    const path = at(`head-${first}-${text.length}`);
    writeFileSync(path, text, "latin1");
    // No wait for a terminator or a settled size: a wait would take ten minutes here.
    const r = await readHeadWhenWritten(path, spool, slow, first);
    if (raw === null) expect(r).toBeNull();
    else {
      expect(r?.stored.raw.toString("latin1")).toBe(raw);
      expect(r).toMatchObject({ ended: true, stored: { bytes: text.length, complete } });
    }
  });

  it("waits while the file is empty", async () => {
    writeFileSync(at("head-empty"), "");
    setTimeout(() => appendFileSync(at("head-empty"), HEAD), 20);
    const r = await readHeadWhenWritten(at("head-empty"), spool, slow, 4096);
    expect(r?.stored.raw.toString()).toBe(HEAD);
    expect(r?.stored.waitedMs).toBeGreaterThanOrEqual(10);
  });

  it("the copy it returns is the article's own, not the shared buffer", async () => {
    writeFileSync(at("head-a"), `${HEAD}a`);
    writeFileSync(at("head-b"), "Message-ID: <other@b>\r\n\r\nb");
    const a = await readHeadWhenWritten(at("head-a"), spool, slow, 4096);
    await readHeadWhenWritten(at("head-b"), spool, slow, 4096);
    expect(a?.stored.raw.toString()).toBe(`${HEAD}a`);
  });
});
