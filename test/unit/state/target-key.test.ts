/**
 * The key behind the notifiers' target ids (outbox, status.json, /metrics' `target` label): an HMAC
 * under a secret of the state directory, so a label cannot be checked against guesses of a password
 * in the notifier's entry, and the same across restarts.
 */
import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { targetKeys } from "../../../src/delivery/targets.js";
import { metricFamilies } from "../../../src/metrics/families.js";
import { prepareStateDir } from "../../../src/state/dir.js";
import { Outbox } from "../../../src/state/outbox.js";
import { rekeyPending, targetKey } from "../../../src/state/target-key.js";
import { Stats } from "../../../src/stats/stats.js";
import { makeArticle } from "../notify/article-factory.js";

const fresh = () => mkdtempSync(join(tmpdir(), "newsnotify-key-"));
const SMTP = {
  type: "email",
  host: "mail.example.net",
  user: "news",
  password: "hunter2",
  to: "a@b",
};

describe("targetKey", () => {
  it("is made once, 0600, 32 random bytes, and read back the same", async () => {
    const dir = fresh();
    const key = await targetKey(dir);
    expect(key).toHaveLength(32);
    expect(statSync(join(dir, "target.key")).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, "target.key"), "utf8")).toBe(`${key.toString("hex")}\n`);
    expect(await targetKey(dir)).toEqual(key);
    expect(await targetKey(fresh())).not.toEqual(key);
  });

  it("is one of newsnotify's own files in the state directory", async () => {
    const dir = join(fresh(), "state");
    await prepareStateDir(dir);
    await targetKey(dir);
    await expect(prepareStateDir(dir)).resolves.toBe(dir);
  });

  it.each([
    [
      "readable by others",
      (p: string) => {
        writeFileSync(p, `${"a".repeat(64)}\n`);
        chmodSync(p, 0o644);
      },
      /mode 0600 \(it is mode 0644\)/,
    ],
    [
      "not hex",
      (p: string) => writeFileSync(p, "hunter2\n", { mode: 0o600 }),
      /not a key newsnotify wrote/,
    ],
    ["a symlink", (p: string) => symlinkSync("/etc/hostname", p), /cannot read/],
  ])("a key file %s is refused", async (_name, make, why) => {
    const dir = fresh();
    make(join(dir, "target.key"));
    await expect(targetKey(dir)).rejects.toThrow(why);
  });
});

describe("target ids under the key", () => {
  it("depend on the key: the entry alone (its password included) does not give the label", async () => {
    const [a] = targetKeys([SMTP], await targetKey(fresh()));
    const [b] = targetKeys([SMTP], await targetKey(fresh()));
    const [plain] = targetKeys([SMTP]);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(a).not.toBe(b);
    expect(a).not.toBe(plain);
  });

  it("stay the same across restarts (the key is read again), and status.json shows what /metrics shows", async () => {
    const dir = fresh();
    const first = targetKeys([SMTP, { type: "stdout" }], await targetKey(dir));
    const again = targetKeys([SMTP, { type: "stdout" }], await targetKey(dir));
    expect(again).toEqual(first);
    const stats = new Stats();
    stats.configure(first.map((target, i) => ({ target, label: `n${i}` })));
    const labels = metricFamilies(stats.snapshot())
      .find((f) => f.name === "newsnotify_notifications_delivered_total")
      ?.samples.map((s) => s.labels?.target);
    expect(labels).toEqual(stats.snapshot().notifiers.map((n) => n.target));
    expect(labels).toEqual(first);
  });

  it("pending work journaled under the old plain ids moves to the keyed ones", async () => {
    const dir = fresh();
    const entries = [SMTP, { type: "stdout" }];
    const plain = targetKeys(entries);
    const box = await Outbox.open(dir);
    const article = makeArticle();
    await box.admit([plain[0] as string], article);
    const keyed = targetKeys(entries, await targetKey(dir));
    expect(await rekeyPending(box, plain, keyed)).toBe(1);
    expect(box.pending().map((p) => [p.target, p.article.messageId])).toEqual([
      [keyed[0], article.messageId],
    ]);
    expect(await rekeyPending(box, plain, keyed)).toBe(0);
    await box.close();
  });
});
