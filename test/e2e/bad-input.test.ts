/**
 * Bad input never stops the watcher: files that a (stand-in) innd creates in the real spool —
 * binary junk, no Message-ID, a 5 MB article, an unknown charset, a name with a newline — and a
 * bpftrace that prints nonsense. Each gets a clear log line; the good articles around them are
 * still delivered, once. The stand-in runs as INN's user and, in the watcher's own mount
 * namespace, is the innd that innd.pid names: newsnotify trusts no other process (issue 23).
 */
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ensureGroup,
  ensureInnd,
  newMessageId,
  post,
  requirePrerequisites,
  spool,
} from "../helpers/inn.js";
import { type Receiver, startReceiver } from "../helpers/receiver.js";
import { startWatch, type Watcher } from "../helpers/watch.js";

const FAKE_INND = new URL("../../fixtures/bin/innd", import.meta.url).pathname;
const FAKE_BPFTRACE = new URL("../../fixtures/bin/fake-bpftrace", import.meta.url).pathname;
const b64 = (s: string | Buffer) => Buffer.from(s).toString("base64");
const wire = (text: string) => `${text.replace(/\n/g, "\r\n")}\r\n.\r\n`;

describe("bad input", () => {
  let rx: Receiver;
  let w: Watcher;
  let dir: string;
  let junkDir: string;
  let pidFile: string;
  const base = 900_000 + (Date.now() % 90_000);
  const goodId = newMessageId("after-bad-input");
  const bigId = newMessageId("five-megabytes");

  beforeAll(async () => {
    requirePrerequisites();
    ensureInnd();
    ensureGroup("local.test");
    dir = mkdtempSync(join(tmpdir(), "newsnotify-bad-"));
    chmodSync(dir, 0o755); // the stand-in runs as news: it reads its spec here
    junkDir = join(spool(), "local", "test");
    // The watcher's innd.pid: the real innd's until the stand-in writes its own pid there.
    pidFile = join(dir, "innd.pid");
    writeFileSync(pidFile, readFileSync("/run/news/innd.pid"));
    const news = Number(execFileSync("id", ["-u", "news"], { encoding: "utf8" }));
    chownSync(pidFile, news, news);
    rx = await startReceiver();
    const cfg = join(dir, "config.yaml");
    writeFileSync(
      cfg,
      `stateDir: ${join(dir, "state")}\nmaxArticleBytes: 65536\nnotifiers:\n  - type: webhook\n    url: ${rx.url}/hook\n`,
    );
    const bind = `mount --bind ${pidFile} /run/news/innd.pid && exec "$NEWSNOTIFY" $NEWSNOTIFY_ARGS`;
    w = startWatch(cfg, {
      wrap: ["unshare", "--mount", "--propagation", "private", "sh", "-c", bind],
    });
    await w.waitForLine(/ready: /);
  });

  afterAll(async () => {
    await w?.stop();
    await rx?.close();
    for (let i = 0; i < 8; i++) rmSync(join(junkDir, String(base + i)), { force: true });
    rmSync(join(junkDir, "12\n34"), { force: true });
  });

  it("logs each bad file once and goes on", async () => {
    const body = `${"x".repeat(1023)}\n`;
    const specs = [
      {
        path: join(junkDir, String(base)),
        content: b64(Buffer.from([0, 1, 2, 255, 254, 13, 10, 0, 7])),
      },
      {
        path: join(junkDir, String(base + 1)),
        content: b64(wire("From: a@b\nSubject: no id\n\nbody")),
      },
      {
        path: join(junkDir, String(base + 2)),
        content: b64(
          wire(
            `Message-ID: ${bigId}\nFrom: big@example.net\nNewsgroups: local.test\nSubject: 5 MB\n`,
          ).slice(0, -5),
        ),
        chunk: b64(`\r\n${body.trimEnd()}`),
        repeat: 5 * 1024,
        tail: b64("\r\n.\r\n"),
      },
      {
        path: join(junkDir, String(base + 3)),
        content: b64(
          wire(
            `Message-ID: ${newMessageId("charset")}\nFrom: c@example.net\nNewsgroups: local.test\nSubject: =?x-no-such-charset?B?w6nDqA==?=\nContent-Type: text/plain; charset=x-unknown-9\n\n\xe9t\xe9`,
          ),
        ),
      },
      { path: join(junkDir, "12\n34"), content: b64("odd name") },
    ];
    const spec = join(dir, "spec.json");
    writeFileSync(spec, JSON.stringify(specs));
    // As news (the probes' uid filter), its pid written to innd.pid before it files anything.
    execFileSync("setpriv", [
      "--reuid=news",
      "--regid=news",
      "--clear-groups",
      "sh",
      "-c",
      `echo $$ > ${pidFile} && exec ${process.execPath} ${FAKE_INND} ${spec}`,
    ]);
    // Its files seen (each logged), the real innd is innd.pid's again before the real post.
    await w.waitForLine(new RegExp(`${junkDir}/${base + 1}: unparsable article`));
    writeFileSync(pidFile, readFileSync("/run/news/innd.pid"));
    post(
      `Message-ID: ${goodId}\nFrom: good@example.net\nNewsgroups: local.test\nSubject: still alive\n\nok\n`,
    );
    await rx.waitFor(3, 15_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${w.log.join("\n")}`);
    });
    await sleep(1500);
    const ids = rx.requests.map((r) => (r.body as { messageId: string }).messageId);
    expect(ids).toContain(goodId);
    expect(ids).toContain(bigId);
    expect(ids.filter((id) => id === goodId)).toHaveLength(1);
    const big = rx.requests.find((r) => (r.body as { messageId: string }).messageId === bigId)
      ?.body as {
      truncated: boolean;
      bytes: number;
    };
    expect(big.truncated).toBe(true);
    expect(big.bytes).toBeGreaterThan(5_000_000);

    const log = w.log.join("\n");
    expect(log).toContain(`${junkDir}/${base}: unparsable article:`);
    expect(log).toContain(`${junkDir}/${base + 1}: unparsable article: no Message-ID header`);
    expect(w.proc.exitCode).toBeNull();
    console.log(`watch log:\n${log}`);
  });
});

describe("a bpftrace that prints nonsense", () => {
  it("logs each odd line and still delivers the real event", async () => {
    requirePrerequisites();
    const dir = mkdtempSync(join(tmpdir(), "newsnotify-fakebpf-"));
    const groupDir = join(spool(), "local", "test");
    mkdirSync(groupDir, { recursive: true });
    const id = newMessageId("fake-bpftrace");
    const file = join(groupDir, String(990_000 + (Date.now() % 9_000)));
    writeFileSync(
      file,
      wire(
        `Message-ID: ${id}\nFrom: f@example.net\nNewsgroups: local.test\nSubject: via fake\n\nhi`,
      ),
    );
    const rx = await startReceiver();
    const cfg = join(dir, "config.yaml");
    writeFileSync(
      cfg,
      `mode: tracepoint\nstateDir: ${join(dir, "state")}\nbpftrace: [${FAKE_BPFTRACE}]\nnotifiers:\n  - type: webhook\n    url: ${rx.url}/hook\n`,
    );
    process.env.FAKE_BPFTRACE_OPEN = file;
    const w = startWatch(cfg);
    try {
      await w.waitForLine(/ready: /);
      const [req] = await rx.waitFor(1, 20_000);
      expect((req?.body as { messageId?: string } | undefined)?.messageId).toBe(id);
      const log = w.log.join("\n");
      expect(log).toContain("bpftrace: this is not JSON at all");
      expect(log).toContain('unexpected trace output: "Q what is this"');
      expect(log).toContain("bpftrace lost 3 events; reconciling with the spool");
      expect(log).toContain("incomplete trace event 9:9: segment 0 of 2 missing");
      expect(log).toContain("WARNING: something odd but harmless");
    } finally {
      delete process.env.FAKE_BPFTRACE_OPEN;
      await w.stop();
      await rx.close();
      rmSync(file, { force: true });
    }
  });
});
