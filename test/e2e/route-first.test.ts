/**
 * Issue 22 on the real innd: a notifier that wants one group gets every one of its articles, while
 * the watcher routes each article before it reads its body. A crosspost filed first under a group
 * nobody wants (innd creates the file there and links it into the wanted group: the path the trace
 * sees says the unwanted group) is still delivered, live and by catch-up after a stop; the articles
 * of the unwanted group alone are not.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ensureGroup,
  ensureInnd,
  newMessageId,
  post,
  requirePrerequisites,
} from "../helpers/inn.js";
import { type Receiver, startReceiver } from "../helpers/receiver.js";
import { startWatch, type Watcher } from "../helpers/watch.js";

const WANTED = "local.test";
// Sorts before local.test: innd files a crosspost in its first Newsgroups entry.
const UNWANTED = "local.nn-route-first";

/** An article of some 200 KB (a big post nobody should pay for unless it is wanted). */
const big = (id: string, newsgroups: string, subject: string) =>
  `Message-ID: ${id}\nFrom: route@example.net\nNewsgroups: ${newsgroups}\nSubject: ${subject}\n\n` +
  `${"0123456789".repeat(10)}\n`.repeat(2000);

const idsOf = (rx: Receiver) =>
  rx.requests.map((r) => (r.body as { messageId?: string }).messageId);

describe("routing before reading, on the real innd", () => {
  let rx: Receiver;
  let watcher: Watcher | undefined;
  let config: string;
  const live = {
    unwanted: newMessageId("rf-unwanted"),
    crosspost: newMessageId("rf-cross"),
    last: newMessageId("rf-last"),
  };
  const caught = {
    unwanted: newMessageId("rf-cu-unwanted"),
    crosspost: newMessageId("rf-cu-cross"),
    last: newMessageId("rf-cu-last"),
  };

  beforeAll(async () => {
    requirePrerequisites();
    ensureInnd();
    ensureGroup(WANTED);
    ensureGroup(UNWANTED);
    rx = await startReceiver();
    const dir = mkdtempSync(join(tmpdir(), "newsnotify-e2e-route-first-"));
    config = join(dir, "config.yaml");
    writeFileSync(
      config,
      `mode: auto\nstateDir: ${join(dir, "state")}\nnotifiers:\n` +
        `  - type: webhook\n    url: ${rx.url}/hook\n    groups: "${WANTED}"\n`,
    );
  });

  afterAll(async () => {
    await watcher?.stop();
    await rx?.close();
  });

  const failed = (e: Error) => {
    throw new Error(`${e.message}\nwatch said:\n${watcher?.log.join("\n")}`);
  };

  it("live: the crosspost filed under the unwanted group is delivered, the unwanted article is not", async () => {
    watcher = startWatch(config);
    await watcher.waitForLine(/ready: /).catch(failed);
    post(big(live.unwanted, UNWANTED, "unwanted"));
    post(big(live.crosspost, `${UNWANTED},${WANTED}`, "crossposted"));
    post(big(live.last, WANTED, "last"));
    await rx.waitFor(2, 60_000).catch(failed);
    // The unwanted article was filed before the last one: by now it has been routed too.
    expect(idsOf(rx)).toEqual([live.crosspost, live.last]);
    expect(watcher.log.join("\n")).not.toMatch(/not read|unparsable|no empty line/);
    expect(await watcher.stop()).toBe(0);
    watcher = undefined;
  }, 120_000);

  it("catch-up: a crosspost filed while stopped reaches the notifier once, the unwanted article not", async () => {
    const before = rx.requests.length;
    post(big(caught.unwanted, UNWANTED, "unwanted while stopped"));
    post(big(caught.crosspost, `${UNWANTED},${WANTED}`, "crossposted while stopped"));
    post(big(caught.last, WANTED, "last while stopped"));
    watcher = startWatch(config);
    await watcher
      .waitForLine(/catch-up \(start\): \d+ article\(s\) filed while unseen/)
      .catch(failed);
    await rx.waitFor(before + 2, 60_000).catch(failed);
    expect(idsOf(rx).slice(before).sort()).toEqual([caught.crosspost, caught.last].sort());
    // Its next catch-up has nothing left: the crosspost's link and the unwanted article were handled.
    expect(await watcher.stop()).toBe(0);
    watcher = undefined;
    expect(idsOf(rx).filter((id) => id === caught.crosspost)).toHaveLength(1);
  }, 120_000);
});
