/**
 * measure-probe-cost.ts - innd's CPU per article with nothing attached, with the tracepoint program
 * (trace.bt's tracepoint section) and with the uprobe on InndHisWrite, on the machine's innd as
 * configured (tradspool by default). Feeds N articles per run with rnews; innd's utime+stime from
 * /proc/PID/stat (the BPF programs run in innd's context, so their cost lands there). Interleaved,
 * R rounds; prints a Markdown table.
 *
 * USAGE: sudo flock /tmp/nn-cpu.lock flock /tmp/nn-innd.lock npx vite-node scripts/measure-probe-cost.ts [N] [R]
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { generateProgram, readTemplate } from "../src/sources/generate.js";
import { ensureGroup, INNBIN } from "../test/helpers/inn.js";
import { startInnd } from "../test/helpers/storage-methods.js";

const N = Number(process.argv[2] ?? 1000);
const R = Number(process.argv[3] ?? 2);
const GROUP = "local.test";
const TICK = 100; // USER_HZ

const uprobe = (
  /\/\/@section uprobe\n([\s\S]*?)\/\/@end/.exec(
    readFileSync(new URL("uprobe-sections.bt.txt", import.meta.url), "utf8"),
  )?.[1] ?? ""
)
  .replaceAll("__COMM__", "innd")
  .replaceAll("__INND__", "/usr/lib/news/bin/innd");
const tracepoint = generateProgram(readTemplate(), {
  mode: "tracepoint",
  comm: "innd",
  depth: 18,
  legacySyscalls: { open: true, creat: true },
});

function inndPid(): number {
  return Number(readFileSync("/run/news/innd.pid", "utf8").trim());
}

function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(f[11]) + Number(f[12])) / TICK;
}

function high(): number {
  const active = readFileSync(
    `${execFileSync(`${INNBIN}/innconfval`, ["pathdb"], { encoding: "utf8" }).trim()}/active`,
    "utf8",
  );
  const line = active.split("\n").find((l) => l.startsWith(`${GROUP} `));
  return Number(line?.split(" ")[1] ?? 0);
}

function feed(n: number, tag: string): void {
  const run = `${Date.now()}.${randomBytes(3).toString("hex")}`;
  const batch = Array.from({ length: n }, (_, i) => {
    const a = `Path: bench.example!not-for-mail\nFrom: b <b@x.test>\nNewsgroups: ${GROUP}\nSubject: cost ${i}\nMessage-ID: <cost.${tag}.${i}.${run}@x.test>\nDate: ${new Date().toUTCString()}\n\n${"text line\n".repeat(30)}`;
    return `#! rnews ${Buffer.byteLength(a)}\n${a}`;
  }).join("");
  const r = spawnSync("su", ["news", "-s", "/bin/sh", "-c", `${INNBIN}/rnews -N -r localhost`], {
    input: batch,
  });
  if (r.status !== 0) throw new Error(`rnews: ${r.stderr}`);
}

async function attach(text: string): Promise<ChildProcess> {
  const child = spawn("bpftrace", ["-f", "json", "-e", text], {
    env: { ...process.env, BPFTRACE_STRLEN: "200" },
    stdio: ["ignore", "pipe", "ignore"],
  });
  let count = 0;
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("bpftrace did not attach")), 60_000);
    createInterface({ input: child.stdout ?? process.stdin }).on("line", (l) => {
      if (l.includes('"attached_probes"')) {
        clearTimeout(t);
        resolve();
      }
      if (l.includes('"printf"') && !l.includes('"H ')) count++;
    });
  });
  (child as ChildProcess & { events: () => number }).events = () => count;
  return child;
}

async function one(name: string, text: string | null): Promise<[number, number]> {
  const child = text ? await attach(text) : null;
  const pid = inndPid();
  const h0 = high();
  const c0 = cpuSeconds(pid);
  const t0 = Date.now();
  feed(N, name);
  while (high() < h0 + N && Date.now() - t0 < 300_000) await new Promise((r) => setTimeout(r, 100));
  const stored = high() - h0;
  const ms = ((cpuSeconds(pid) - c0) * 1000) / stored;
  await new Promise((r) => setTimeout(r, 500));
  const events = child ? (child as ChildProcess & { events: () => number }).events() : 0;
  child?.kill("SIGINT");
  if (child) await new Promise((r) => child.on("close", r));
  return [ms, events];
}

startInnd();
ensureGroup(GROUP);
const results: Record<string, { ms: number[]; events: number[] }> = {};
const variants: [string, string | null][] = [
  ["none", null],
  ["tracepoint", tracepoint],
  ["uprobe", uprobe],
];
for (let r = 0; r < R; r++) {
  for (const [name, text] of variants) {
    const [ms, events] = await one(name, text);
    const e = results[name] ?? { ms: [], events: [] };
    e.ms.push(ms);
    e.events.push(events);
    results[name] = e;
    console.error(`${name}: ${ms.toFixed(3)} ms innd CPU/article, ${events} events`);
  }
}
console.log(`\nN = ${N} articles per run, ${R} rounds, ${new Date().toISOString()}\n`);
console.log("| attached | innd CPU ms/article (each round) | events seen |\n| --- | --- | --- |");
for (const [name, e] of Object.entries(results)) {
  console.log(`| ${name} | ${e.ms.map((x) => x.toFixed(3)).join(", ")} | ${e.events.join(", ")} |`);
}
