// @ts-check
/**
 * Contender "newsnotify": `bin/newsnotify watch` exactly as users run it, with one webhook notifier
 * pointing at an HTTP receiver here. Its latency covers the whole path: trace event, path rebuild,
 * waiting for the article to be complete, reading and parsing it, and the HTTP POST.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { stopChild } from "../child.mjs";
import { nowMs } from "../clock.mjs";
import { commOf, descendants, memoryMb } from "../proc.mjs";
import { Receipts } from "./receipts.mjs";
import { stamper } from "./stamper.mjs";

/** The checkout's own CLI; `bin` in the options points at another build (to compare a patch). */
export const BIN = fileURLToPath(new URL("../../../bin/newsnotify", import.meta.url));

/** The node options on a shim's first line ("#!/usr/bin/env -S node --flag ..."). @param {string} bin */
export function shimNodeArgs(bin) {
  const first = readFileSync(bin, "utf8").split("\n", 1)[0] ?? "";
  const m = /^#!.*\bnode((?:\s+--?\S+)*)\s*$/.exec(first);
  return m?.[1] ? m[1].trim().split(/\s+/) : [];
}

/**
 * Pure: newsnotify's config for the bench. `mode` goes to its `mode:` key as given; `groups`, a
 * wildmat, narrows the webhook's subscription (the busy feed).
 * @param {{mode: string, spool: string, activeFile: string, stateDir: string, url: string,
 *   batch: number, groups?: string, extra?: string}} c  extra: more top-level YAML (cluster:)
 */
export function benchConfig(c) {
  return (
    // Its own state directory: the default one may belong to a watcher someone else runs.
    `mode: ${c.mode}\nspool: ${c.spool}\nactiveFile: ${c.activeFile}\nstateDir: ${c.stateDir}\n` +
    `notifiers:\n  - type: webhook\n    url: ${c.url}\n` +
    (c.batch > 1 ? `    batch: ${c.batch}\n` : "") +
    (c.groups ? `    groups: ${JSON.stringify(c.groups)}\n` : "") +
    (c.extra ?? "")
  );
}

/**
 * Pure: a webhook request body → the Message-IDs it notifies (one article, or a batching webhook's
 * {"articles": [...]}). Keyed by Message-ID only: no `path` field is needed (a uprobe event on CNFS
 * has none).
 * @param {Uint8Array} body
 */
export function messageIdsOf(body) {
  try {
    const parsed = JSON.parse(Buffer.from(body).toString("utf8"));
    return (parsed.articles ?? [parsed]).map((/** @type {any} */ a) => String(a.messageId));
  } catch {
    return ["(unparsable body)"];
  }
}

/**
 * @param {{spool: string, activeFile: string, env: NodeJS.ProcessEnv, dir: string,
 *   log: (line: string) => void, nodeArgs?: string[], bin?: string, batch?: number,
 *   mode?: string, groups?: string, extraConfig?: string, url?: string}} o  url: a receiver
 *   shared with other watchers (bench/cluster.mjs counts its receipts), instead of one of its own
 */
export function newsnotifyContender(o) {
  const receipts = new Receipts();
  const log = /** @type {string[]} */ ([]);
  /** @type {import("node:child_process").ChildProcess | null} */
  let child = null;
  /** @type {ReturnType<typeof stamper> | null} */
  let receiver = null;
  /** Its own state directory, made at start and removed at stop. */
  let stateDir = "";
  let configDir = "";
  /** Every bpftrace pid seen under newsnotify (a restart would add one). */
  const bpftracePids = new Set();

  /** Watches newsnotify's children for bpftrace; returns when it first appears. */
  const findBpftrace = (/** @type {number} */ pid) => {
    for (const c of descendants(pid)) if (commOf(c) === "bpftrace") bpftracePids.add(c);
    return bpftracePids.size > 0;
  };

  const narrow = o.groups ? ` (groups: ${o.groups})` : "";
  return {
    name: "newsnotify",
    label:
      (o.batch ?? 1) > 1
        ? `newsnotify watch → webhook (batch ≤ ${o.batch})${narrow}`
        : `newsnotify watch → webhook${narrow}`,
    what:
      (o.batch ?? 1) > 1
        ? `trace event (mode: ${o.mode ?? "auto"}) → read + parse${narrow ? " → route" : ""} → HTTP POST of the articles waiting, up to ${o.batch} per request (keep-alive)`
        : `trace event (mode: ${o.mode ?? "auto"}) → read + parse${narrow ? " → route" : ""} → HTTP POST (keep-alive)`,
    keyKind: /** @type {const} */ ("messageId"),
    receipts,
    async start() {
      let url = o.url;
      if (!url) {
        // The receiver runs in its own thread, which stamps each body on arrival; JSON is parsed here.
        const r = stamper({ kind: "http" });
        receiver = r;
        r.events.on("body", (/** @type {{at: number, body: Uint8Array}} */ m) => {
          for (const id of messageIdsOf(m.body)) receipts.add(id, m.at);
        });
        url = `http://127.0.0.1:${(await r.ready).port}/hook`;
      }
      // Neither under o.dir: that belongs to news (the private innd's), and as root newsnotify refuses
      // a config file or a state directory that another user could change or swap
      // (src/config/file-trust.ts, src/state/dir.ts).
      configDir = mkdtempSync(join(tmpdir(), "newsnotify-config-"));
      const config = join(configDir, "newsnotify.yaml");
      stateDir = mkdtempSync(join(tmpdir(), "newsnotify-state-"));
      writeFileSync(
        config,
        // Its own state directory: the default one may belong to a watcher someone else runs.
        benchConfig({
          mode: o.mode ?? "auto",
          spool: o.spool,
          activeFile: o.activeFile,
          stateDir,
          url,
          batch: o.batch ?? 1,
          groups: o.groups,
          extra: o.extraConfig,
        }),
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
          // A VM under TCG (bench/vm.sh) compiles and attaches far slower: it sets a longer wait.
          const readyS = Number(process.env.BENCH_READY_TIMEOUT_S) || 60;
          const timer = setTimeout(
            () => reject(new Error(`no ready line in ${readyS} s:\n${log.join("\n")}`)),
            readyS * 1000,
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
            reject(
              new Error(
                `newsnotify exited (${code}) before ready, with \`mode: ${o.mode ?? "auto"}\` ` +
                  `(a build may not have that mode, or this kernel cannot run it):\n${log.join("\n")}`,
              ),
            ),
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
      if (configDir) rmSync(configDir, { recursive: true, force: true });
      await receiver?.stop();
    },
  };
}
