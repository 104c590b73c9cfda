// guest/harness.mjs — what the guest scenarios (scenario.mjs, scenario-uprobe.mjs) share: result
// lines for run.sh, waiting, running commands, a webhook receiver on the guest's loopback, and the
// real CLI as a child process. Plain node, no dependencies (the guest has only the node binary).
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";

export const CLI = "/proj/bin/newsnotify";
export const NEWSBIN = "/usr/lib/news/bin";

let failed = 0;
/** `VMRESULT <PASS|FAIL|INFO> <case> <detail>`, one line (run.sh reads these). */
export function result(status, name, detail) {
  if (status === "FAIL") failed++;
  console.log(`VMRESULT ${status} ${name} ${String(detail).replace(/\s*\n\s*/g, " ")}`);
}
/** How many FAIL lines so far. */
export const failures = () => failed;

/** Runs `fn`; its return value is the PASS detail, what it throws the FAIL detail. */
export async function check(name, fn) {
  try {
    result("PASS", name, await fn());
  } catch (e) {
    result("FAIL", name, e instanceof Error ? e.message : String(e));
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const uptime = () => Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);

export async function waitFor(pred, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const v = pred();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms / 1000}s waiting for ${what}`);
    await sleep(200);
  }
}

export function run(cmd, args, input) {
  const r = spawnSync(cmd, args, { input, encoding: "utf8", timeout: 60_000 });
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim();
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(" ")} failed (${r.status ?? r.signal}): ${out}`);
  return out;
}
/** A shell snippet with guest/lib.sh's helpers (innd_start, innd_stop, ...). */
export const sh = (script) => run("/bin/bash", ["-c", `. /proj/guest/lib.sh; ${script}`]);
export const innconfval = (key) => run(`${NEWSBIN}/innconfval`, [key]);

/**
 * A webhook receiver on the guest's loopback. `posts`: every POST received, in order:
 * { at, body (parsed JSON or null), raw, url, method }.
 */
export async function startReceiver() {
  const posts = [];
  const server = createServer((req, res) => {
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      let body = null;
      try {
        body = JSON.parse(raw);
      } catch {}
      posts.push({ at: Date.now(), body, raw, url: req.url, method: req.method });
      console.log(`  hook| ${req.method} ${req.url} ${raw.slice(0, 400)}`);
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  /** The article object of a POST: the payload itself (the JSON contract), or under `article`. */
  const articleOf = (p) => (p.body && typeof p.body === "object" ? (p.body.article ?? p.body) : {});
  return {
    posts,
    url: `http://127.0.0.1:${server.address().port}/hook`,
    articleOf,
    postsFor: (id) => posts.filter((p) => articleOf(p).messageId === id),
    close: () => server.close(),
  };
}

/** `newsnotify watch` with a config written from `config`; its output lines, prefixed by `tag`. */
export class Watch {
  constructor(tag, config) {
    this.lines = [];
    this.exit = null;
    const cfg = `/tmp/newsnotify-${tag}.yaml`;
    writeFileSync(cfg, config);
    this.proc = spawn("node", [CLI, "watch", "--config", cfg], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    for (const s of [this.proc.stdout, this.proc.stderr]) {
      let buf = "";
      s.setEncoding("utf8");
      s.on("data", (d) => {
        buf += d;
        for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          this.lines.push(line);
          console.log(`  watch:${tag}| ${line}`);
        }
      });
    }
    this.exited = new Promise((r) =>
      this.proc.on("exit", (code, signal) => {
        this.exit = { code, signal };
        r(this.exit);
      }),
    );
  }
  find(re) {
    return this.lines.find((l) => re.test(l));
  }
  count(re) {
    return this.lines.filter((l) => re.test(l)).length;
  }
}

/** Pids of bpftrace processes whose parent is `ppid` (from /proc; no procps needed). */
export function bpftraceChildren(ppid) {
  const pids = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (comm === "bpftrace" && Number(fields[1]) === ppid) pids.push(Number(d));
    } catch {}
  }
  return pids;
}
export const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
