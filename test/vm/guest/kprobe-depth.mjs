// guest/kprobe-depth.mjs — how long after bpftrace's `attached_probes` line its kprobes really fire,
// per unroll depth of the generated kprobe program, on this guest's kernel and bpftrace.
// For each depth: runs the program (`-f json`, __BPFTRACE_NOTIFY_PROBES_ATTACHED=1, which makes
// bpftrace print a marker line once every probe is attached), and as a process named innd creates
//   early-D  the moment the attached_probes line arrives (what newsnotify's ready line meant), and
//   late-D   the moment the after-attach marker arrives;
// then reports the gap between the two lines and which files were walked.
// Usage: node kprobe-depth.mjs DEPTH...   (run by guest/kprobe-depth.sh; prints VMRESULT lines)
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";

const uptime = () => Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
const result = (st, name, detail) => console.log(`VMRESULT ${st} ${name} ${detail}`);
const DIR = "/var/spool/news/articles/kd/shallow";
mkdirSync(DIR, { recursive: true });
copyFileSync("/usr/bin/touch", "/tmp/innd");
spawnSync("chmod", ["755", "/tmp/innd"]);
const version = spawnSync("bpftrace", ["--version"], { encoding: "utf8" }).stdout.trim();
const strlen = /v0\.(1\d)\./.test(version) ? "BPFTRACE_STRLEN" : "BPFTRACE_MAX_STRLEN";

let failures = 0;
for (const depth of process.argv.slice(2).map(Number)) {
  const prog = `/tmp/kd-${depth}.bt`;
  const gen = spawnSync(
    "node",
    ["/proj/bin/newsnotify", "script", "--mode", "kprobe", "--depth", String(depth)],
    { encoding: "utf8" },
  );
  writeFileSync(prog, gen.stdout);
  const t0 = uptime();
  const bt = spawn("bpftrace", ["-f", "json", prog], {
    env: { ...process.env, [strlen]: "200", __BPFTRACE_NOTIFY_PROBES_ATTACHED: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const t = {};
  const seen = new Set();
  const lines = [];
  const onLine = (from) => (line) => {
    const now = uptime();
    lines.push(`${from} +${(now - t0).toFixed(2)} ${line.slice(0, 160)}`);
    if (line.includes('"attached_probes"') && t.announced === undefined) {
      t.announced = now;
      spawnSync("/tmp/innd", [`${DIR}/early-${depth}`]);
    }
    if (line.includes("__BPFTRACE_NOTIFY_PROBES_ATTACHED") && t.attached === undefined) {
      t.attached = now;
      spawnSync("/tmp/innd", [`${DIR}/late-${depth}`]);
      setTimeout(() => bt.kill("SIGINT"), 4000);
    }
    const m = /"S \d+ \d+ 0 \d+ ((?:early|late)-\d+)\\n"/.exec(line);
    if (m) seen.add(m[1]);
  };
  createInterface({ input: bt.stdout }).on("line", onLine("out"));
  createInterface({ input: bt.stderr }).on("line", onLine("err"));
  const killer = setTimeout(() => bt.kill("SIGKILL"), 180_000);
  await new Promise((r) => bt.on("exit", r));
  clearTimeout(killer);
  for (const l of lines) if (!/"H \d+/.test(l)) console.log(`  kd${depth}| ${l}`);
  const gap =
    t.attached !== undefined && t.announced !== undefined
      ? (t.attached - t.announced).toFixed(2)
      : "?";
  const early = seen.has(`early-${depth}`);
  const late = seen.has(`late-${depth}`);
  result(
    "INFO",
    `kdepth-${depth}`,
    `${version}: attached_probes after ${(t.announced - t0).toFixed(1)}s, probes really attached ${gap}s later; ` +
      `file created at attached_probes: ${early ? "walked" : "MISSED"}; file created after the marker: ${late ? "walked" : "MISSED"}`,
  );
  if (!late) failures++;
  result(late ? "PASS" : "FAIL", `kdepth-${depth}-after-attach`, late ? "walked" : "missed");
  rmSync(`${DIR}/early-${depth}`, { force: true });
  rmSync(`${DIR}/late-${depth}`, { force: true });
}
process.exit(failures ? 1 : 0);
