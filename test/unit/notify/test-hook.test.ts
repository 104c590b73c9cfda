import { PassThrough } from "node:stream";
import { afterEach, beforeEach, expect, test } from "vitest";
import { reportNotifiers } from "../../../src/commands/test-hook.js";
import { buildNotifiers } from "../../../src/notify/build.js";
import type { NotifierConfig } from "../../../src/notify/registry.js";
import { type Receiver, startReceiver } from "../../helpers/receiver.js";
import { makeArticle } from "./article-factory.js";

let rx: Receiver;
beforeEach(async () => {
  rx = await startReceiver();
});
afterEach(() => rx.close());

function setup() {
  const out = new PassThrough();
  const entries: NotifierConfig[] = [
    {
      type: "slack",
      url: `${rx.url}/slack`,
      groups: "comp.*",
      timeoutMs: 2000,
      rateLimitPerSecond: 0,
    },
    { type: "ntfy", url: `${rx.url}/alerts`, timeoutMs: 2000 },
    { type: "webhook", url: `${rx.url}/hook`, timeoutMs: 2000 },
  ];
  return { out, notifiers: buildNotifiers(entries, { stdout: out }) };
}

test("dry run: which notifiers the article routes to, why not, and each exact payload", async () => {
  const { out, notifiers } = setup();
  const ok = await reportNotifiers(
    makeArticle({ newsgroups: ["misc.test"], subject: "Hi" }),
    notifiers,
    {
      send: false,
      out,
    },
  );
  const text = String(out.read());
  expect(ok).toBe(true);
  expect(text).toContain(`== slack ${rx.url}/slack\nnot routed: groups: no match\n`);
  expect(text).toContain(
    `== ntfy ${rx.url}/…\nwould send:\n{\n  "topic": "alerts",\n  "title": "Hi",`,
  );
  expect(text).toContain(`== webhook ${rx.url}/hook\nwould send:\n{\n  "messageId": `);
  expect(text).toMatch(
    /routes to 2 of 3 notifier\(s\)\n\(dry run: nothing sent; add --send to send\)\n$/,
  );
  expect(rx.requests).toHaveLength(0);
});

test("a control message is not routed unless asked for", async () => {
  const { out, notifiers } = setup();
  await reportNotifiers(makeArticle({ control: "cancel <x@y>" }), notifiers, { send: false, out });
  expect(String(out.read()).match(/not routed: control message/g)).toHaveLength(3);
});

test("--send: one real attempt each, and each result", async () => {
  const { out, notifiers } = setup();
  rx.reply(200, { status: 404, body: "no such webhook" });
  const ok = await reportNotifiers(makeArticle({ newsgroups: ["comp.lang.c"] }), notifiers, {
    send: true,
    out,
  });
  const text = String(out.read());
  expect(ok).toBe(false);
  expect(text.match(/sent: ok/g)).toHaveLength(2);
  // ntfy JSON-publishes to the server root, so the error names that URL.
  expect(text).toContain(
    `sent: FAILED: HTTP 404 Not Found from ${rx.url}/: no such webhook (refused: watch would drop it)`,
  );
  expect(rx.requests.map((r) => r.path)).toEqual(["/slack", "/", "/hook"]);
});
