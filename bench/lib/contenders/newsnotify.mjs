// @ts-check
/**
 * Contender "newsnotify": `bin/newsnotify watch` exactly as users run it, with one webhook notifier
 * pointing at an HTTP receiver here. Its latency covers the whole path: trace event, path rebuild,
 * waiting for the article to be complete, reading and parsing it, and the HTTP POST.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { stopChild } from "../child.mjs";
import { nowMs } from "../clock.mjs";
import { commOf, descendants, memoryMb } from "../proc.mjs";
import { Receipts } from "./receipts.mjs";

/** The checkout's own CLI; `bin` in the options points at another build (to compare a patch). */
export const BIN = fileURLToPath(new URL("../../../bin/newsnotify", import.meta.url));

/** The node options on a shim's first line ("#!/usr/bin/env -S node --flag ..."). @param {string} bin */
export function shimNodeArgs(bin) {
  const first = readFileSync(bin, "utf8").split("\n", 1)[0] ?? "";
  const m = /^#!.*\bnode((?:\s+--?\S+)*)\s*$/.exec(first);
  return m?.[1] ? m[1].trim().split(/\s+/) : [];
}

/**
 * @param {{spool: string, activeFile: string, env: NodeJS.ProcessEnv, dir: string,
 *   log: (line: string) => void, nodeArgs?: string[], bin?: string, batch?: number}} o
 */
export function newsnotifyContender(o) {
  const receipts = new Receipts();
  const log = /** @type {string[]} */ ([]);
  /** @type {import("node:child_process").ChildProcess | null} */
  let child = null;
  /** @type {import("node:http").Server | null} */
  let server = null;
  /** Its own state directory, made at start and removed at stop. */
  let stateDir = "";
  /** Every bpftrace pid seen under newsnotify (a restart would add one). */
  const bpftracePids = new Set();

  /** Watches newsnotify's children for bpftrace; returns when it first appears. */
  const findBpftrace = (/** @type {number} */ pid) => {
    for (const c of descendants(pid)) if (commOf(c) === "bpftrace") bpftracePids.add(c);
    return bpftracePids.size > 0;
  };

  return {
    name: "newsnotify",
    label:
      (o.batch ?? 1) > 1
        ? `newsnotify watch → webhook (batch ≤ ${o.batch})`
        : "newsnotify watch → webhook",
    what:
      (o.batch ?? 1) > 1
        ? `tracepoint event → wait for complete file → read + parse → HTTP POST of the articles waiting, up to ${o.batch} per request (keep-alive)`
        : "tracepoint event → wait for complete file → read + parse → HTTP POST (keep-alive)",
    keyKind: /** @type {const} */ ("messageId"),
    receipts,
    async start() {
      server = createServer((req, res) => {
        const chunks = /** @type {Buffer[]} */ ([]);
        req.on("data", (c) => chunks.push(c));
        req.on("end", () => {
          // Receipt time: the whole body is here, before we spend anything on parsing it.
          const at = nowMs();
          res.writeHead(200, { "content-type": "text/plain" }).end();
          try {
            const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
            // One article per request, or a batching webhook's {"articles": [...]}.
            for (const article of body.articles ?? [body]) {
              receipts.add(String(article.messageId), at);
            }
          } catch {
            receipts.add("(unparsable body)", at);
          }
        });
      });
      const srv = server;
      await new Promise((/** @type {(v: void) => void} */ r) => srv.listen(0, "127.0.0.1", r));
      const port = /** @type {import("node:net").AddressInfo} */ (srv.address()).port;
      const config = join(o.dir, "newsnotify.yaml");
      // Not under o.dir: that belongs to news (the private innd's), and newsnotify refuses a state
      // directory whose parent another user could swap (see src/state/dir.ts).
      stateDir = mkdtempSync(join(tmpdir(), "newsnotify-state-"));
      writeFileSync(
        config,
        // Its own state directory: the default one may belong to a watcher someone else runs.
        `mode: auto\nspool: ${o.spool}\nactiveFile: ${o.activeFile}\nstateDir: ${stateDir}\n` +
          `notifiers:\n  - type: webhook\n    url: http://127.0.0.1:${port}/hook\n` +
          ((o.batch ?? 1) > 1 ? `    batch: ${o.batch}\n` : ""),
      );

      const spawnedMs = nowMs();
      const bin = o.bin ?? BIN;
      // node's own flags from the shim's "#!/usr/bin/env -S node ..." line: run as users run it.
      const argv = [...shimNodeArgs(bin), ...(o.nodeArgs ?? []), bin, "watch", "--config", config];
      const p = spawn(process.execPath, argv, {
        env: o.env,
        stdio: ["ignore", "ignore", "pipe"],
      });
      child = p;
      /** @type {number | null} */
      let bpftraceSeenMs = null;
      const poll = setInterval(() => {
        if (bpftraceSeenMs === null && p.pid && findBpftrace(p.pid)) bpftraceSeenMs = nowMs();
      }, 2);
      try {
        await new Promise((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`no ready line in 60 s:\n${log.join("\n")}`)),
            60_000,
          );
          createInterface({ input: /** @type {import("node:stream").Readable} */ (p.stderr) }).on(
            "line",
            (line) => {
              log.push(line);
              if (/ready: /.test(line)) {
                clearTimeout(timer);
                resolve(undefined);
              } else if (/newsnotify: (warn|error):/.test(line)) o.log(`newsnotify said: ${line}`);
            },
          );
          p.once("exit", (code) =>
            reject(new Error(`newsnotify exited (${code}):\n${log.join("\n")}`)),
          );
        });
      } finally {
        clearInterval(poll);
      }
      const readyMs = nowMs();
      if (p.pid) findBpftrace(p.pid);
      // Memory once attached, before any article: what the burst adds shows against it.
      const atReady = [p.pid ?? 0, ...bpftracePids].map((pid) => ({
        pid,
        comm: commOf(pid),
        ...memoryMb(pid),
      }));
      return {
        rssAtReady: atReady.filter((m) => m.comm !== null),
        toReadyMs: readyMs - spawnedMs,
        bpftraceToReadyMs: bpftraceSeenMs === null ? null : readyMs - bpftraceSeenMs,
        readyLine: log.find((l) => /ready: /.test(l)) ?? "",
      };
    },
    /** newsnotify's node process and its bpftrace. */
    pids() {
      if (child?.pid) findBpftrace(child.pid);
      return [...(child?.pid ? [child.pid] : []), ...bpftracePids];
    },
    /** Its warn/error log lines (lost events, incomplete reads...). */
    messages: () => log.filter((l) => /newsnotify: (warn: |error: |catch-up)/.test(l)),
    async stop() {
      await stopChild(child, "SIGTERM", 15_000);
      if (stateDir) rmSync(stateDir, { recursive: true, force: true });
      const srv = server;
      server = null;
      if (srv) {
        srv.closeAllConnections();
        await new Promise((r) => srv.close(r));
      }
    },
  };
}
