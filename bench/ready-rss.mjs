#!/usr/bin/env node
// @ts-check
/**
 * node's resident memory once `watch` is ready, with the default route (one webhook, every group):
 * issue 22's "start small" figure (target ≤ 50 MB), without innd's traffic or a real bpftrace. The
 * stand-in bpftrace (fixtures/bin/fake-bpftrace) attaches at once and reports nothing; catch-up's
 * first run records the marks; then, 2 s after the ready line, VmRSS and VmHWM of the node process
 * are read from /proc. Needs INN's configuration (inn.conf, the spool) and root, as watch does.
 *
 * USAGE: node bench/ready-rss.mjs [--bin PATH/bin/newsnotify] [--runs 5]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values: a } = parseArgs({
  options: {
    bin: { type: "string", default: new URL("../bin/newsnotify", import.meta.url).pathname },
    runs: { type: "string", default: "5" },
  },
});
const FAKE = new URL("../fixtures/bin/fake-bpftrace", import.meta.url).pathname;

/** @param {number} pid @param {string} key */
const statusKb = (pid, key) =>
  Number(
    new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1],
  );

async function once() {
  const dir = mkdtempSync(join(tmpdir(), "newsnotify-ready-rss-"));
  try {
    const config = join(dir, "config.yaml");
    writeFileSync(
      config,
      `mode: tracepoint\nbpftrace: [${FAKE}]\nstateDir: ${join(dir, "state")}\n` +
        "notifiers:\n  - type: webhook\n    url: http://127.0.0.1:9/never\n",
    );
    const child = spawn(a.bin, ["watch", "--config", config], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, FAKE_BPFTRACE_QUIET: "1" },
    });
    let said = "";
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready in 60 s:\n${said}`)), 60_000);
      const look = (/** @type {Buffer} */ d) => {
        said += d;
        if (/ready: /.test(said)) {
          clearTimeout(timer);
          resolve(undefined);
        }
      };
      child.stdout.on("data", look);
      child.stderr.on("data", look);
      child.on("exit", (code) => reject(new Error(`watch exited ${code}:\n${said}`)));
    });
    await new Promise((r) => setTimeout(r, 2000));
    // The shim is `env -S node ...`: env execs node, so the child's pid is node's.
    const pid = /** @type {number} */ (child.pid);
    const rss = statusKb(pid, "VmRSS") / 1024;
    const hwm = statusKb(pid, "VmHWM") / 1024;
    const anon = statusKb(pid, "RssAnon") / 1024;
    child.removeAllListeners("exit");
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    return { rss, hwm, anon };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const runs = [];
for (let i = 0; i < Number(a.runs); i++) runs.push(await once());
const median = (/** @type {number[]} */ xs) =>
  [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const fmt = (/** @type {number[]} */ xs) =>
  `${median(xs)?.toFixed(1)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;
process.stdout.write(
  `${a.bin}: ${runs.length} runs, MB once ready: RSS ${fmt(runs.map((r) => r.rss))}, ` +
    `peak ${fmt(runs.map((r) => r.hwm))}, private (RssAnon) ${fmt(runs.map((r) => r.anon))}\n`,
);
