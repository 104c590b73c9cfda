/**
 * Issue 23 part 3, "trust only innd", through bin/newsnotify with the real bpftrace (tracepoint
 * mode): a process that names itself innd but is not INN's innd (another user) cannot make root
 * notify anything, neither by re-opening an old article with O_RDONLY|O_CREAT nor by creating a
 * new article file in the spool; a real post still is notified.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ensureGroup,
  ensureInnd,
  newMessageId,
  post,
  requirePrerequisites,
  spool,
  spoolFile,
} from "../helpers/inn.js";
import { type Receiver, startReceiver } from "../helpers/receiver.js";
import { startWatch, type Watcher } from "../helpers/watch.js";

const GROUP = "local.test";
const PYTHON = "/usr/bin/python3";

/**
 * Runs as `user` a python3 named innd (prctl PR_SET_NAME, as the reproduction) that opens
 * `path` with `flags` (os.O_* names joined by |) and writes `data` when given.
 */
function asFakeInnd(user: string, path: string, flags: string, data = ""): void {
  const script = [
    "import ctypes, os, sys",
    'ctypes.CDLL(None).prctl(15, b"innd", 0, 0, 0)',
    'assert open("/proc/self/comm").read().strip() == "innd"',
    `fd = os.open(sys.argv[1], ${flags}, 0o644)`,
    "os.write(fd, sys.argv[2].encode()) if sys.argv[2] else None",
    "os.close(fd)",
  ].join("\n");
  execFileSync("setpriv", [
    `--reuid=${user}`,
    `--regid=${user === "root" ? "root" : "nogroup"}`,
    "--clear-groups",
    PYTHON,
    "-c",
    script,
    path,
    data,
  ]);
}

const article = (id: string, subject: string) =>
  `Message-ID: ${id}\nFrom: trust@example.net\nNewsgroups: ${GROUP}\nSubject: ${subject}\n\nbody\n`;

let watcher: Watcher | null = null;
let rx: Receiver | null = null;
const planted: string[] = [];
afterEach(async () => {
  await watcher?.stop();
  await rx?.close();
  for (const f of planted) rmSync(f, { force: true });
  watcher = null;
  rx = null;
  planted.length = 0;
});

describe("trust only innd (real bpftrace, tracepoint mode)", () => {
  beforeAll(() => {
    requirePrerequisites();
    ensureInnd();
    ensureGroup(GROUP);
  });

  it("another user's process named innd is not seen; INN's innd still is", async () => {
    const old = newMessageId("trust-old");
    post(article(old, "an old article"));
    const oldFile = spoolFile(GROUP, old);

    rx = await startReceiver();
    const dir = mkdtempSync(join(tmpdir(), "newsnotify-trust-"));
    const cfg = join(dir, "config.yaml");
    writeFileSync(
      cfg,
      `stateDir: ${join(dir, "state")}\nmode: tracepoint\ncatchUp:\n  maxArticles: 0\n` +
        `notifiers:\n  - type: webhook\n    url: ${rx.url}/hook\n`,
    );
    watcher = startWatch(cfg);
    await watcher.waitForLine(/ready: tracepoint mode/);

    // The reproduction: nobody re-opens an old article read-only with O_CREAT.
    asFakeInnd("nobody", oldFile, "os.O_RDONLY | os.O_CREAT");
    // A new article file, really created in the spool (O_EXCL) by a process named innd run by
    // another user than INN's (root here: only it may write the spool besides news).
    const forged = newMessageId("trust-forged");
    const forgedFile = join(spool(), ...GROUP.split("."), "999999999");
    planted.push(forgedFile);
    const wire = `${article(forged, "forged").replaceAll("\n", "\r\n")}.\r\n`;
    asFakeInnd("root", forgedFile, "os.O_WRONLY | os.O_CREAT | os.O_EXCL", wire);

    // Then a real post: once it is notified, the two above (earlier) would have been too.
    const real = newMessageId("trust-real");
    post(article(real, "a real post"));
    await rx.waitFor(1, 60_000);
    await watcher.stop();
    const ids = rx.requests.map((q) => (q.body as { messageId: string }).messageId);
    expect(ids).toEqual([real]);
  });
});
