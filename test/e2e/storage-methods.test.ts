/**
 * Every INN storage method, end to end: the real innd with th.* → timehash, tc.* → timecaf,
 * cn.* → CNFS, * → tradspool (test/helpers/storage-methods.ts, restored afterwards even on failure),
 * `watch` in mode auto (which must choose the uprobe source: timecaf and CNFS create no file per
 * article), articles posted to each, a webhook on 127.0.0.1. Then catch-up (articles filed while
 * the watcher was stopped) and innd restarted twice under one watch.
 */
import {
  chmodSync,
  chownSync,
  copyFileSync,
  mkdtempSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  newMessageId,
  post,
  requirePrerequisites,
  restartInndAsync,
  spool,
} from "../helpers/inn.js";
import { type Receiver, startReceiver } from "../helpers/receiver.js";
import {
  METHOD_GROUPS,
  restartInnd,
  restoreOnExit,
  restoreStorageMethods,
  tokenOf,
  useStorageMethods,
} from "../helpers/storage-methods.js";
import { startWatch, type Watcher } from "../helpers/watch.js";

interface Case {
  name: string;
  groups: string[];
  /** The article's own file: a pattern, or null for methods with none (timecaf, CNFS). */
  path: RegExp | null;
}

const S = spool();
const BIN = new URL("../../bin/newsnotify", import.meta.url).pathname;
const CASES: Case[] = [
  {
    name: "tradspool",
    groups: [METHOD_GROUPS.tradspool],
    path: new RegExp(`^${S}/local/test/\\d+$`),
  },
  {
    name: "timehash",
    groups: [METHOD_GROUPS.timehash],
    path: new RegExp(`^${S}/time-01/[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{4}-[0-9a-f]{4}$`),
  },
  { name: "timecaf", groups: [METHOD_GROUPS.timecaf], path: null },
  { name: "cnfs", groups: [METHOD_GROUPS.cnfs], path: null },
  // CNFS stores a crosspost once (the first group's class decides).
  { name: "cnfs-crosspost", groups: [METHOD_GROUPS.cnfs, METHOD_GROUPS.tradspool], path: null },
  { name: "cnfs-9-levels", groups: [METHOD_GROUPS.cnfsDeep], path: null },
];

interface Posted {
  c: Case;
  id: string;
  subject: string;
}

function postCase(c: Case, tag: string): Posted {
  const id = newMessageId(`${tag}.${c.name}`);
  const subject = `${c.name} ${tag} ünïcode`;
  post(
    `Message-ID: ${id}\nFrom: Storage Tester <st@example.net>\nNewsgroups: ${c.groups.join(",")}\n` +
      `Subject: =?UTF-8?Q?${encodeURIComponent(subject).replace(/%/g, "=")}?=\n\nBody of ${c.name}.\n`,
  );
  return { c, id, subject };
}

type Body = Record<string, unknown>;

function bodies(rx: Receiver, id: string): Body[] {
  return rx.requests.map((r) => r.body as Body).filter((b) => b?.messageId === id);
}

/** `fileToken`: what a tradspool article found as a file (catch-up) carries: no token, only its path. */
function checkPayload(b: Body | undefined, p: Posted, fileToken = false): void {
  expect(b, `a notification for ${p.c.name} ${p.id}`).toBeDefined();
  if (!b) return;
  expect(b.newsgroups).toEqual(p.c.groups);
  expect(b.subject).toBe(p.subject);
  expect(b.from).toEqual({ name: "Storage Tester", address: "st@example.net" });
  expect(b.snippet).toBe(`Body of ${p.c.name}.`);
  expect(b.group).toBe(p.c.groups[0]);
  expect(b.number).toBeGreaterThan(0);
  // The token grephistory gives for it: what innd stored it under.
  if (fileToken && p.c.name === "tradspool") expect(b.token).toBeNull();
  else expect(b.token).toBe(tokenOf(p.id));
  if (p.c.path === null) expect(b.path).toBeNull();
  else expect(String(b.path)).toMatch(p.c.path);
}

describe("every storage method through the uprobe source (mode auto)", () => {
  let rx: Receiver;
  let watcher: Watcher | null = null;
  let config = "";
  const live: Posted[] = [];

  beforeAll(async () => {
    requirePrerequisites();
    restoreOnExit();
    useStorageMethods();
    rx = await startReceiver();
    const dir = mkdtempSync(join(tmpdir(), "newsnotify-methods-"));
    config = join(dir, "config.yaml");
    writeFileSync(
      config,
      `mode: auto\nstateDir: ${join(dir, "state")}\ncatchUp:\n  intervalSeconds: 3600\n` +
        `notifiers:\n  - type: webhook\n    url: ${rx.url}/hook\n`,
    );
    watcher = startWatch(config);
    await watcher.waitForLine(/ready: /);
    // The first start only records the marks: wait for it, so the catch-up test has them.
    await watcher.waitForLine(/catch-up: no saved state yet/);
    for (const c of CASES) live.push(postCase(c, "live"));
    await rx.waitFor(live.length, 60_000).catch((e: Error) => {
      throw new Error(`${e.message}\nwatch said:\n${watcher?.log.join("\n")}`);
    });
    await new Promise((r) => setTimeout(r, 1500)); // time for a duplicate to show
  }, 300_000);

  afterAll(async () => {
    await watcher?.stop();
    await rx?.close();
    restoreStorageMethods();
  }, 120_000);

  it("auto chose the uprobe source, because timecaf and CNFS create no file", () => {
    expect(watcher?.log.join("\n")).toMatch(
      /ready: uprobe mode \(.*cannot see timecaf, cnfs.*\), uprobe on \S+innd:InndHisWrite/,
    );
  });

  it.each(CASES.map((c, i) => [c.name, i] as const))(
    "%s: exactly one payload with the right fields, token and path",
    (_name, i) => {
      const p = live[i] as Posted;
      const got = bodies(rx, p.id);
      expect(got, watcher?.log.join("\n")).toHaveLength(1);
      checkPayload(got[0], p);
    },
  );

  it("sent nothing else", () => {
    expect(rx.requests).toHaveLength(live.length);
  });

  it("catch-up: articles filed while it was stopped are each notified once at the next start", async () => {
    expect(await watcher?.stop()).toBe(0);
    const before = rx.requests.length;
    const missed = CASES.slice(0, 4).map((c) => postCase(c, "missed"));
    watcher = startWatch(config);
    await watcher.waitForLine(/ready: /);
    // It counts every article above the saved marks that this run has not seen (the live ones too:
    // the outbox already has those, so they are not sent again).
    await watcher.waitForLine(/catch-up \(start\): \d+ article\(s\) filed while unseen/, 60_000);
    await rx.waitFor(before + missed.length, 60_000);
    await new Promise((r) => setTimeout(r, 1500));
    for (const p of missed) {
      const got = bodies(rx, p.id);
      expect(got, `${p.c.name}\n${watcher.log.join("\n")}`).toHaveLength(1);
      // Catch-up finds a tradspool article as a file (group directory + number): no token then.
      checkPayload(got[0], p, true);
    }
    expect(rx.requests).toHaveLength(before + missed.length);
  }, 180_000);

  it("innd restarted twice under one watch: every article once, nothing lost", async () => {
    const before = rx.requests.length;
    const posted: Posted[] = [];
    const round = (tag: string) => {
      for (const c of [CASES[2], CASES[3]] as Case[]) posted.push(postCase(c, tag));
    };
    // Restarts that do not block this process: the receiver must answer while innd restarts.
    round("before-restart");
    await restartInndAsync();
    round("after-restart-1");
    await restartInndAsync();
    round("after-restart-2");
    await rx.waitFor(before + posted.length, 60_000).catch((e: Error) => {
      throw new Error(`${e.message}\nwatch said:\n${watcher?.log.join("\n")}`);
    });
    await new Promise((r) => setTimeout(r, 1500));
    const detail = () =>
      `${rx.requests.map((r) => `${r.at} ${(r.body as Body)?.messageId} ${r.headers["idempotency-key"]}`).join("\n")}\n${watcher?.log.join("\n")}`;
    for (const p of posted) expect(bodies(rx, p.id), `${p.id}\n${detail()}`).toHaveLength(1);
    expect(rx.requests).toHaveLength(before + posted.length);
  }, 240_000);

  it("innd's binary replaced (as a package upgrade does) and innd restarted: re-attached, nothing lost", async () => {
    const before = rx.requests.length;
    const bin = "/usr/lib/news/bin/innd";
    // A new inode with the same bytes, owner and mode, renamed over the old one: what dpkg does.
    const st = statSync(bin);
    copyFileSync(bin, `${bin}.newsnotify-e2e`);
    chownSync(`${bin}.newsnotify-e2e`, st.uid, st.gid);
    chmodSync(`${bin}.newsnotify-e2e`, st.mode & 0o7777);
    renameSync(`${bin}.newsnotify-e2e`, bin);
    restartInnd();
    // Filed in the gap before the new attach: caught up.
    const posted = [postCase(CASES[3] as Case, "upgrade-gap")];
    await watcher?.waitForLine(/innd runs a new \/usr\/lib\/news\/bin\/innd/, 30_000);
    await watcher?.waitForLine(/re-attached: uprobe mode/, 60_000);
    posted.push(postCase(CASES[2] as Case, "upgrade-after"));
    await rx.waitFor(before + posted.length, 60_000).catch((e: Error) => {
      throw new Error(`${e.message}\nwatch said:\n${watcher?.log.join("\n")}`);
    });
    await new Promise((r) => setTimeout(r, 1500));
    for (const p of posted) expect(bodies(rx, p.id), p.id).toHaveLength(1);
    expect(rx.requests).toHaveLength(before + posted.length);
  }, 240_000);

  it("timehash through a file-creation source (mode tracepoint): the file's Xref says where it was filed", async () => {
    expect(await watcher?.stop()).toBe(0);
    const rx2 = await startReceiver();
    const dir = mkdtempSync(join(tmpdir(), "newsnotify-methods-tp-"));
    const tpConfig = join(dir, "config.yaml");
    writeFileSync(
      tpConfig,
      `mode: tracepoint\nstateDir: ${join(dir, "state")}\n` +
        `notifiers:\n  - type: webhook\n    url: ${rx2.url}/hook\n`,
    );
    const tp = startWatch(tpConfig);
    try {
      await tp.waitForLine(/ready: tracepoint mode/);
      const p = postCase(CASES[1] as Case, "tracepoint");
      await rx2.waitFor(1, 60_000).catch((e: Error) => {
        throw new Error(`${e.message}\nwatch said:\n${tp.log.join("\n")}`);
      });
      await new Promise((r) => setTimeout(r, 1000));
      expect(rx2.requests).toHaveLength(1);
      checkPayload(rx2.requests[0]?.body as Body, p);
    } finally {
      await tp.stop();
      await rx2.close();
    }
  }, 120_000);

  it("test-hook takes a token: a CNFS article, which has no file, read as watch reads it", async () => {
    const p = postCase(CASES[3] as Case, "test-hook");
    const token = tokenOf(p.id);
    const r = await execa(BIN, ["test-hook", token], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`article ${token}`);
    expect(r.stdout).toContain(`"messageId": "${p.id}"`);
    expect(r.stdout).toContain(`"token": "${token}"`);
    expect(r.stdout).toContain('"path": null');
    const bad = await execa(BIN, ["test-hook", `@03${"0".repeat(34)}@`], { reject: false });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/cannot read the article stored as @03/);
  }, 60_000);
});
