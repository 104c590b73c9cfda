// @ts-check
/** Pure: results object → the Markdown report (bench/results/latest.md). */
import { TARGETS } from "./results.mjs";

const f = (/** @type {number|null|undefined} */ x, digits = 1) =>
  x === null || x === undefined ? "–" : x.toFixed(digits);

/** @param {any} r */
export function scenario(r) {
  const n = r.params.articles.toLocaleString("en-US");
  return r.params.rate ? `${n} articles paced at ${r.params.rate}/s` : `burst of ${n} articles`;
}

/** @param {any} r */
export function markdownReport(r) {
  const rows = Object.values(r.contenders).map((/** @type {any} */ c) =>
    [
      c.label,
      `${c.delivered}/${r.feed.accepted}`,
      c.missed,
      c.duplicated,
      f(c.latencyMs.p50, 2),
      f(c.latencyMs.p95, 2),
      f(c.latencyMs.p99, 2),
      f(c.latencyMs.max, 1),
      c.throughput ?? "–",
      f(c.drainMs, 1),
      f(c.cpuSec, 2),
      c.cpuPctOfInnd === null ? "–" : `${f(c.cpuPctOfInnd)} %`,
      f(c.peakRssMb),
    ].join(" | "),
  );
  const nn = r.contenders.newsnotify;
  const ch = r.contenders.channel;
  const iw = r.contenders.inotifywait;
  const ratio = (/** @type {any} */ other, /** @type {string} */ key) =>
    other?.latencyMs?.[key] ? `${f(nn.latencyMs[key] / other.latencyMs[key], 1)}×` : "–";
  const m = r.machine;
  const lines = [
    `## ${scenario(r)} (${r.date.slice(0, 10)})`,
    "",
    `innd (a private instance, tradspool) accepted ${r.feed.accepted} of ${r.params.articles} over one ` +
      `TAKETHIS stream in ${f(r.feed.feedMs / 1000, 2)} s (${r.feed.acceptedPerSec}/s); ` +
      `it created the files at ${r.feed.createdPerSec ?? "–"}/s. Latency: kernel stamp of the file's ` +
      "creation → notification in the bench's hands, same monotonic clock.",
    "",
    "| contender | delivered | missed | dup | p50 ms | p95 ms | p99 ms | max ms | throughput /s | drain ms | CPU s | CPU vs innd | peak RSS MB |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows.map((row) => `| ${row} |`),
    `| *innd itself* | | | | | | | | | | ${f(r.innd.cpuSec, 2)} | 100 % | ${f(r.innd.peakRssMb)} |`,
    "",
    `newsnotify vs channel feed: p50 ${ratio(ch, "p50")}, p99 ${ratio(ch, "p99")}; ` +
      `vs inotifywait: p50 ${ratio(iw, "p50")}, p99 ${ratio(iw, "p99")}.`,
    ...(nn.lostEvents
      ? [
          "",
          `**bpftrace lost ${nn.lostEvents} trace events** (its perf buffer overflowed while newsnotify ` +
            "was busy); newsnotify's catch-up recovered some of those articles.",
        ]
      : []),
    "",
    `Start-up: newsnotify spawn → ready ${f(nn.startup?.toReadyMs, 0)} ms, of which bpftrace spawn → ready ` +
      `${f(nn.startup?.bpftraceToReadyMs, 0)} ms (a one-probe bpftrace: ${f(r.creationClock.startupMs, 0)} ms); ` +
      `inotifywait ${f(iw?.startup?.toReadyMs, 0)} ms.`,
    `Memory: peak RSS (in brackets, private RSS when the burst was drained): ${(nn.processes ?? [])
      .map((/** @type {any} */ p) => `${p.comm} ${f(p.peakRssMb, 0)} MB (${f(p.anonMb, 0)})`)
      .join(", ")}; once ready: ${(nn.startup?.rssAtReady ?? [])
      .map((/** @type {any} */ p) => `${p.comm} ${f(p.rssMb, 0)} MB (${f(p.anonMb, 0)})`)
      .join(", ")}.`,
    ...(nn.cpuMsPerArticle
      ? [
          `newsnotify CPU: ${f(nn.cpuMsPerArticle.total, 3)} ms/article: node's main thread ` +
            `${f(nn.cpuMsPerArticle.nodeMain, 3)}, node's other threads (libuv pool: fdatasync, fs; ` +
            `V8: GC) ${f(nn.cpuMsPerArticle.nodeOther, 3)}, bpftrace ${f(nn.cpuMsPerArticle.bpftrace, 3)}; ` +
            `of node's, in the kernel (system calls; 10 ms ticks): ${f(nn.cpuMsPerArticle.nodeSys, 3)}.`,
        ]
      : []),
    `innd CPU: ${f(r.innd.cpuMsPerArticle, 3)} ms/article with everything attached` +
      (r.baseline
        ? `, ${f(r.baseline.cpuMsPerArticle, 3)} ms/article with only the channel feed.`
        : "."),
    "",
    "| target (issue 6) | measured here | applies to this scenario | result |",
    "|---|---|---|---|",
    ...Object.entries(r.targets).map(
      ([k, t]) =>
        `| ${TARGETS[/** @type {keyof typeof TARGETS} */ (k)]} | ${JSON.stringify(t.value)} | ${t.applies ? "yes" : "no"} | ${t.applies ? (t.pass ? "pass" : "**FAIL**") : t.pass ? "(pass)" : "(fail)"} |`,
    ),
    "",
    "What each latency includes:",
    ...Object.values(r.contenders).map((/** @type {any} */ c) => `- ${c.label}: ${c.what}.`),
    "",
    `Machine: Linux ${m.kernel}, ${m.cpus} CPUs (${m.cpuModel}), node ${m.node}, ${m.bpftrace}; ` +
      `commit ${m.commit}${m.uncommittedSourceFiles ? ` + ${m.uncommittedSourceFiles} uncommitted src files` : ""}. ` +
      `Load average before ${m.loadBefore?.join(" ")}, after ${m.loadAfter?.join(" ")}; ` +
      `other bpftrace processes running: ${m.foreignBpftraceBefore}→${m.foreignBpftraceAfter}. ` +
      "Shared machine: other work competes for the CPUs, so treat single runs as noisy.",
    "",
  ];
  const notes = Object.entries(r.contenders).flatMap(([name, c]) =>
    /** @type {any} */ (c).messages.map((/** @type {string} */ msg) => `- ${name}: ${msg}`),
  );
  if (notes.length) lines.push("Messages during the run:", ...notes.slice(0, 20), "");
  return `${lines.join("\n")}\n`;
}
