// @ts-check
/**
 * Contender "newsnotify feed": the feed source (src/sources/feed.ts), run by innd itself from a
 * newsfeeds entry (`Tc,Wnm`) exactly as docs/feed.md sets it up, as news, with one webhook notifier
 * pointing at an HTTP receiver here. The channel feed's pipe plus newsnotify's read, parse and POST:
 * no bpftrace. Its stderr goes to the private innd's errlog.
 */
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, messageIdsOf, shimNodeArgs } from "./newsnotify.mjs";
import { Receipts } from "./receipts.mjs";
import { stamper } from "./stamper.mjs";

/**
 * Listens and writes its config first: innd's newsfeeds entry needs both (see `newsfeedsEntry`).
 * `pattern`: the newsfeeds wildmat of the groups innd sends it.
 * @param {{pattern?: string, bin?: string}} [o]
 */
export async function feedContender({ pattern = "bench.*", bin = BIN } = {}) {
  const receipts = new Receipts();
  const receiver = stamper({ kind: "http" });
  receiver.events.on("body", (/** @type {{at: number, body: Uint8Array}} */ m) => {
    for (const id of messageIdsOf(m.body)) receipts.add(id, m.at);
  });
  const { port } = await receiver.ready;
  const uid = Number(execFileSync("id", ["-u", "news"], { encoding: "utf8" }));
  const gid = Number(execFileSync("id", ["-g", "news"], { encoding: "utf8" }));
  // Root-owned and readable by news: the config; news-owned 0700: the state directory.
  const dir = mkdtempSync(join(tmpdir(), "newsnotify-feed-bench-"));
  chmodSync(dir, 0o755);
  const stateDir = join(dir, "state");
  mkdirSync(stateDir, { mode: 0o700 });
  chownSync(stateDir, uid, gid);
  const config = join(dir, "feed.yaml");
  writeFileSync(
    config,
    `stateDir: ${stateDir}\nnotifiers:\n  - type: webhook\n    url: http://127.0.0.1:${port}/hook\n`,
    { mode: 0o644 },
  );
  const pid = () => {
    try {
      const p = Number(readFileSync(join(stateDir, "watch.pid"), "utf8").split("\n")[0]);
      return Number.isInteger(p) && p > 0 && existsSync(`/proc/${p}`) ? p : null;
    } catch {
      return null;
    }
  };
  // --site: the entry's name below, so the feed finds its patterns (catch-up) and innd's spool file.
  const argv = [
    process.execPath,
    ...shimNodeArgs(bin),
    bin,
    "feed",
    "-c",
    config,
    "--site",
    "newsnotify-feed!",
  ];

  return {
    name: "feed",
    label: "newsnotify feed → webhook (innd's channel, Tc,Wnm)",
    what: "innd writes token + Message-ID to newsnotify feed's stdin → read by token + parse → HTTP POST (keep-alive)",
    keyKind: /** @type {const} */ ("messageId"),
    receipts,
    /** The newsfeeds entry that feeds `pattern` to it (innd runs it as user news). */
    newsfeedsEntry: `newsnotify-feed!:${pattern}:Tc,Wnm,P0:${argv.join(" ")}\n`,
    /** Resolves once innd has started it and it holds its state directory. */
    async start() {
      for (let i = 0; i < 300 && pid() === null; i++) await new Promise((r) => setTimeout(r, 100));
      if (pid() === null)
        throw new Error("innd did not start newsnotify feed (see the innd errlog)");
      return {};
    },
    pids: () => {
      const p = pid();
      return p ? [p] : [];
    },
    async stop() {
      await receiver.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
