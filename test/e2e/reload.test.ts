/**
 * SIGHUP (`systemctl reload`) on a real innd: a config that does not load is reported and the
 * running watch goes on; a good one is applied (here: the stdout notifier switches to JSON) by
 * stopping and starting the watch, and the next article comes through with it. SIGTERM then exits 0.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ensureGroup,
  ensureInnd,
  newMessageId,
  postAsync,
  requirePrerequisites,
} from "../helpers/inn.js";
import { startWatch, type Watcher } from "../helpers/watch.js";

const dir = mkdtempSync(join(tmpdir(), "newsnotify-reload-"));
const configFile = join(dir, "config.yaml");
const config = (json: boolean) =>
  `mode: tracepoint\nstateDir: ${dir}/state\nnotifiers:\n  - type: stdout\n    json: ${json}\n`;
const article = (id: string) =>
  `Message-ID: ${id}\nFrom: Hup <hup@example.net>\nNewsgroups: local.test\nSubject: reload\n\nbody\n`;
const count = (w: Watcher, re: RegExp) => w.log.filter((l) => re.test(l)).length;
async function waitUntil(ok: () => boolean, what: () => string, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out; watch said:\n${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("watch reloads its config on SIGHUP", () => {
  let watcher: Watcher;
  beforeAll(async () => {
    requirePrerequisites();
    ensureInnd();
    ensureGroup("local.test");
    writeFileSync(configFile, config(false));
    watcher = startWatch(configFile);
    await watcher.waitForLine(/ready: /, 120_000);
  });
  afterAll(async () => {
    await watcher?.stop();
  });

  it("a broken config: reported, the watch goes on with the old one", async () => {
    writeFileSync(configFile, `${config(false)}mode: kporbe\n`);
    watcher.proc.kill("SIGHUP");
    await watcher.waitForLine(/SIGHUP: the config was not reloaded, the running watch goes on/);
    const id = newMessageId("reload-old");
    await postAsync(article(id));
    const line = await watcher.waitForLine(new RegExp(id.replace(/[.$]/g, "\\$&")));
    expect(line).toMatch(/^local\.test {2}</);
    expect(count(watcher, /ready: /)).toBe(1);
  });

  it("a good config: applied, and the next article comes through with it", async () => {
    writeFileSync(configFile, config(true));
    watcher.proc.kill("SIGHUP");
    await watcher.waitForLine(/SIGHUP: starting again with /);
    await waitUntil(
      () => count(watcher, /ready: /) >= 2,
      () => watcher.log.join("\n"),
    );
    const id = newMessageId("reload-new");
    await postAsync(article(id));
    const line = await watcher.waitForLine(
      new RegExp(`"messageId":"${id.replace(/[.$]/g, "\\$&")}"`),
    );
    expect(JSON.parse(line).subject).toBe("reload");
  });

  it("SIGTERM after a reload exits 0", async () => {
    expect(await watcher.stop(), watcher.log.join("\n")).toBe(0);
  });
});
