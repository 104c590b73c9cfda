/**
 * A news admin's control alerts, end to end: control messages reach innd as they do from a peer
 * (IHAVE), innd files them in control.*, `watch` sees them with the real bpftrace, and an email
 * notifier with `control: {types: [newgroup, rmgroup, checkgroups], only: true}` mails the
 * newgroup and the checkgroups through a real Exim, by its defaults for the local MTA
 * (`host: localhost`: port given here, opportunistic STARTTLS, `root@localhost`), and nothing else:
 * no cancel, no ordinary article. A webhook with the default route gets the ordinary articles only.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ensureGroup,
  ensureInnd,
  ihave,
  newMessageId,
  post,
  requirePrerequisites,
} from "../helpers/inn.js";
import { type Receiver, startReceiver } from "../helpers/receiver.js";
import { type Exim, startExim } from "../helpers/servers/exim.js";
import { startWatch, type Watcher } from "../helpers/watch.js";

// A group name no control.ctl carries out: innd files the message, nothing is created.
const NEWGROUP = `local.nn-ctl-${process.pid}`;
const ids = {
  first: newMessageId("ctl-first"),
  newgroup: newMessageId("ctl-newgroup"),
  cancel: newMessageId("ctl-cancel"),
  checkgroups: newMessageId("ctl-checkgroups"),
  last: newMessageId("ctl-last"),
};

const lineWith = (id: string) => new RegExp(id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
const control = (id: string, verb: string, groups: string, body: string) =>
  `Message-ID: ${id}\nFrom: newsmaster@example.net\nNewsgroups: ${groups}\n` +
  `Subject: cmsg ${verb}\nControl: ${verb}\nApproved: newsmaster@example.net\n\n${body}\n`;
const ordinary = (id: string, subject: string) =>
  `Message-ID: ${id}\nFrom: reader@example.net\nNewsgroups: local.test\nSubject: ${subject}\n\nhello\n`;

describe("control alerts by email on a real innd", () => {
  let mta: Exim;
  let rx: Receiver;
  let watcher: Watcher;
  let mails: string[];

  beforeAll(async () => {
    requirePrerequisites();
    ensureInnd();
    ensureGroup("local.test");
    [mta, rx] = await Promise.all([startExim(), startReceiver()]);
    const dir = mkdtempSync(join(tmpdir(), "newsnotify-e2e-control-"));
    const config = join(dir, "config.yaml");
    writeFileSync(
      config,
      `mode: auto
stateDir: ${join(dir, "state")}
notifiers:
  - type: email
    host: localhost
    port: ${mta.port}
    sender: news@localhost
    to: [root@localhost]
    control: {types: [newgroup, rmgroup, checkgroups], only: true}
  - type: webhook
    url: ${rx.url}/hook
  - type: stdout
    control: true
`,
    );
    watcher = startWatch(config);
    await watcher.waitForLine(/ready: /);
    // Each target delivers in order: once the last article a target wants has come, anything routed
    // to it before that (a cancel by mistake) would have come first.
    post(ordinary(ids.first, "before the control messages"));
    await ihave(
      control(ids.newgroup, `newgroup ${NEWGROUP}`, NEWGROUP, `${NEWGROUP} for a test.`),
      ids.newgroup,
    );
    const gone = newMessageId("never-posted");
    await ihave(control(ids.cancel, `cancel ${gone}`, "local.test", "cancel"), ids.cancel);
    await ihave(
      control(ids.checkgroups, "checkgroups", "local.test", "local.test\tA test group."),
      ids.checkgroups,
    );
    post(ordinary(ids.last, "after the control messages"));
    const failed = (e: Error) => {
      throw new Error(`${e.message}\nwatch said:\n${watcher.log.join("\n")}`);
    };
    await rx.waitFor(2, 60_000).catch(failed);
    mails = await mta.waitForMessages(2, 60_000).catch(failed);
    for (const id of Object.values(ids))
      await watcher.waitForLine(lineWith(id), 60_000).catch(failed);
  }, 180_000);

  afterAll(async () => {
    await watcher?.stop();
    await Promise.all([rx?.close(), mta?.close()]);
  });

  it("mails the newgroup and the checkgroups, in order, and nothing else", () => {
    const mailed = mails.map((m) => /^Subject: (.*)$/m.exec(m)?.[1]);
    expect(mailed).toEqual([
      `[control.newgroup] cmsg newgroup ${NEWGROUP}`,
      "[control.checkgroups] cmsg checkgroups",
    ]);
    for (const m of mails) expect(m).toMatch(/^Envelope-to: root@localhost$/m);
    // The default for localhost upgraded to TLS when Exim offered STARTTLS.
    expect(mta.log()).toMatch(/<= news@localhost .*P=esmtps X=TLS/);
  });

  it("the webhook with the default route gets the ordinary articles, no control message", () => {
    const got = rx.requests.map((r) => (r.body as { messageId?: string }).messageId);
    expect(got).toEqual([ids.first, ids.last]);
  });

  it("the stdout notifier with control: true printed all five, the cancel included", () => {
    const printed = watcher.log.filter((l) => /\[control: /.test(l));
    expect(printed).toEqual([
      expect.stringContaining(ids.newgroup),
      expect.stringContaining(ids.cancel),
      expect.stringContaining(ids.checkgroups),
    ]);
  });
});
