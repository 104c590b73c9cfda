// @ts-check
/**
 * Contender "inotifywait": what a user would pick instead of tracing, `inotifywait -m -r -e create`
 * on the whole spool, one line per created file. It reports paths, not Message-IDs (the bench maps
 * them afterwards), and only that a file exists: innd creates it empty, so a real consumer would
 * still have to wait for the article to be written (as newsnotify does) before reading it.
 * It runs under a receiver thread (stamper.mjs), which stamps its output as it arrives.
 */
import { nowMs } from "../clock.mjs";
import { lineSplitter, Receipts } from "./receipts.mjs";
import { stamper } from "./stamper.mjs";

/** @param {{spool: string}} o */
export function inotifyContender(o) {
  const receipts = new Receipts();
  /** @type {ReturnType<typeof stamper> | null} */
  let receiver = null;
  /** @type {number | null} */
  let pid = null;
  const stderr = /** @type {string[]} */ ([]);

  return {
    name: "inotifywait",
    label: "inotifywait -m -r -e create",
    what: "inotify create event on the spool, printed as a path (no article read)",
    keyKind: /** @type {const} */ ("path"),
    receipts,
    async start() {
      const startedMs = nowMs();
      const r = stamper({
        kind: "spawn",
        cmd: "inotifywait",
        args: ["-m", "-r", "-e", "create", "--format", "%w%f", o.spool],
      });
      receiver = r;
      const out = lineSplitter((line, at) => receipts.add(line, at));
      r.events.on("chunk", (/** @type {{text: string, at: number}} */ m) => out(m.text, m.at));
      await new Promise((resolve, reject) => {
        r.events.on(
          "stderr",
          lineSplitterOf((line) => {
            stderr.push(line);
            if (line.includes("Watches established")) resolve(undefined);
          }),
        );
        r.events.once("exit", (/** @type {any} */ m) =>
          reject(new Error(`inotifywait exited (${m.code ?? m.error}): ${stderr.join(" | ")}`)),
        );
        r.events.once("error", reject);
      });
      pid = (await r.ready).pid;
      return { toReadyMs: nowMs() - startedMs };
    },
    pids: () => (pid ? [pid] : []),
    /** Lines on stderr after start (e.g. "Q_OVERFLOW": the kernel queue overflowed). */
    messages: () => stderr.filter((l) => !/Setting up watches|Watches established/.test(l)),
    stop: async () => {
      await receiver?.stop();
    },
  };
}

/** A "stderr" message handler that calls `onLine` per whole line. @param {(line: string) => void} onLine */
function lineSplitterOf(onLine) {
  const split = lineSplitter((line) => onLine(line));
  return (/** @type {{text: string}} */ m) => split(m.text, 0);
}
