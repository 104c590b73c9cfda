// @ts-check
/**
 * Contender "inotifywait": what a user would pick instead of tracing, `inotifywait -m -r -e create`
 * on the whole spool, one line per created file. It reports paths, not Message-IDs (the bench maps
 * them afterwards), and only that a file exists: innd creates it empty, so a real consumer would
 * still have to wait for the article to be written (as newsnotify does) before reading it.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { stopChild } from "../child.mjs";
import { nowMs } from "../clock.mjs";
import { Receipts } from "./receipts.mjs";

/** @param {{spool: string}} o */
export function inotifyContender(o) {
  const receipts = new Receipts();
  /** @type {import("node:child_process").ChildProcess | null} */
  let child = null;
  const stderr = /** @type {string[]} */ ([]);

  return {
    name: "inotifywait",
    label: "inotifywait -m -r -e create",
    what: "inotify create event on the spool, printed as a path (no article read)",
    keyKind: /** @type {const} */ ("path"),
    receipts,
    async start() {
      const startedMs = nowMs();
      const p = spawn("inotifywait", ["-m", "-r", "-e", "create", "--format", "%w%f", o.spool], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      child = p;
      createInterface({ input: /** @type {import("node:stream").Readable} */ (p.stdout) }).on(
        "line",
        (line) => receipts.add(line),
      );
      await new Promise((resolve, reject) => {
        createInterface({ input: /** @type {import("node:stream").Readable} */ (p.stderr) }).on(
          "line",
          (line) => {
            stderr.push(line);
            if (line.includes("Watches established")) resolve(undefined);
          },
        );
        p.once("exit", (code) =>
          reject(new Error(`inotifywait exited (${code}): ${stderr.join(" | ")}`)),
        );
        p.once("error", reject);
      });
      return { toReadyMs: nowMs() - startedMs };
    },
    pids: () => (child?.pid ? [child.pid] : []),
    /** Lines on stderr after start (e.g. "Q_OVERFLOW": the kernel queue overflowed). */
    messages: () => stderr.filter((l) => !/Setting up watches|Watches established/.test(l)),
    stop: () => stopChild(child),
  };
}
