// @ts-check
/** Pure: results object → the Markdown report (bench/results/latest.md). */
import { cell } from "./aggregate.mjs";
import { TARGETS } from "./results.mjs";

const f = (/** @type {number|null|undefined} */ x, digits = 1) =>
  x === null || x === undefined ? "–" : x.toFixed(digits);

/** @param {any} r */
export function scenario(r) {
  const p = r.params;
  const n = p.articles.toLocaleString("en-US");
  const m = p.mix;
  const pct = (/** @type {number} */ x) => `${Math.round(x * 1000) / 10} %`;
  const what =
    p.feed === "busy" && m
      ? `busy feed of ${n} articles${p.rate ? ` paced at ${p.rate}/s` : ""} (${pct(m.binaryShare)} binaries, ${pct(m.wantShare)} wanted)`
      : p.rate
        ? `${n} articles paced at ${p.rate}/s`
        : `burst of ${n} articles`;
  const extra = [
    p.batch > 1 ? `batch ${p.batch}` : "",
    p.mode && p.mode !== "auto" ? p.mode : "",
    p.storage && p.storage !== "tradspool" ? p.storage : "",
  ].filter(Boolean);
  return extra.length ? `${what}, ${extra.join(", ")}` : what;
}

/** @param {any} r */
export function markdownReport(r) {
  const rows = Object.values(r.contenders).map((/** @type {any} */ c) =>
    [
      c.label,
      `${c.delivered}/${r.mix ? r.mix.accepted.wanted : r.feed.accepted}`,
      c.missed,
      c.duplicated,
      f(c.latencyMs.p50, 2),
      f(c.latencyMs.p95, 2),
      f(c.latencyMs.p99, 2),
      f(c.latencyMs.max, 1),
      c.throughput ?? "–",
      f(c.drainMs, 1),
      f(c.cpuSec, 2),
      f(c.bpfSec, 3),
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
    `innd (a private instance, ${r.params.storage ?? "tradspool"}) accepted ${r.feed.accepted} of ${r.params.articles} over one ` +
      `TAKETHIS stream in ${f(r.feed.feedMs / 1000, 2)} s (${r.feed.acceptedPerSec}/s); ` +
      `it ${r.creationClock?.reference === "history" ? "stored the articles" : "created the files"} at ${r.feed.createdPerSec ?? "–"}/s. ` +
      (r.creationClock?.reference === "history"
        ? "Latency: kernel stamp of innd's InndHisWrite call (article stored) → "
        : "Latency: kernel stamp of the file's creation → ") +
      "notification in a receiver thread's hands, same monotonic clock.",
    "",
    "| contender | delivered | missed | dup | p50 ms | p95 ms | p99 ms | max ms | throughput /s | drain ms | CPU s | of which BPF s | CPU vs innd's own | peak RSS MB |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows.map((row) => `| ${row} |`),
    `| *innd's own* (measured ${f(r.innd.measuredCpuSec, 2)} s, less all BPF run time) | | | | | | | | | | ${f(r.innd.cpuSec, 2)} | | 100 % | ${f(r.innd.peakRssMb)} |`,
    "",
    `newsnotify vs channel feed: p50 ${ratio(ch, "p50")}, p99 ${ratio(ch, "p99")}; ` +
      `vs inotifywait: p50 ${ratio(iw, "p50")}, p99 ${ratio(iw, "p99")}.`,
    ...(r.mix ? ["", busyLine(r)] : []),
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
    ...(nn.cpuBreakdown
      ? [
          `newsnotify CPU: ${f(nn.cpuBreakdown.total, 3)} ms/article: node's main thread ` +
            `${f(nn.cpuBreakdown.nodeMain, 3)}, node's other threads (libuv pool: fdatasync, fs; ` +
            `V8: GC) ${f(nn.cpuBreakdown.nodeOther, 3)}, bpftrace ${f(nn.cpuBreakdown.bpftrace, 3)}, ` +
            `its BPF programs ${f(nn.cpuBreakdown.bpf, 3)} (${nn.bpf?.runCnt ?? "–"} runs); ` +
            `of node's, in the kernel (system calls; 10 ms ticks): ${f(nn.cpuBreakdown.nodeSys, 3)}.`,
        ]
      : []),
    ...[
      ["newsnotify's", nn.bpf],
      ["the reference clock's", r.creationClock?.bpf],
    ].flatMap(([who, b]) =>
      b?.programs?.some((/** @type {any} */ p) => p.runCnt > 0)
        ? [
            `BPF programs, ${who}: ${b.programs
              .filter((/** @type {any} */ p) => p.runCnt > 0)
              .map(
                (/** @type {any} */ p) =>
                  `${p.name ?? `id ${p.id}`} ${p.runCnt} runs, ${f(p.runTimeNs / 1e6, 1)} ms (${f(p.runTimeNs / p.runCnt / 1000, 2)} µs/run)`,
              )
              .join("; ")}.`,
          ]
        : [],
    ),
    ...(r.machine.bpfStats ? [`${r.machine.bpfStats}.`] : []),
    `innd CPU: ${f(r.innd.cpuMsPerArticle, 3)} ms/article its own (${f(r.innd.measuredCpuMsPerArticle, 3)} measured, ` +
      `less the run time of newsnotify's and the reference clock's BPF programs, ${f(r.creationClock?.bpf ? r.creationClock.bpf.runTimeNs / 1e6 : null, 1)} ms of it the clock's) with everything attached` +
      (r.baseline
        ? `, ${f(r.baseline.cpuMsPerArticle, 3)} ms/article with only the channel feed.`
        : "."),
    "",
    "| target | measured here | applies to this scenario | result |",
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
      `newsnotify \`mode: ${r.params.mode ?? "auto"}\`; commit ${m.commit}${m.uncommittedSourceFiles ? ` + ${m.uncommittedSourceFiles} uncommitted src files` : ""}. ` +
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

/**
 * The README-ready table: one row per scenario (a multi-run results file), each figure as
 * median (min–max) over its runs.
 * @param {any[]} all multi-run results (version 2)
 */
export function readmeTable(all) {
  const commits = [...new Set(all.flatMap((a) => a.summary.commits))];
  const runs = [...new Set(all.map((a) => a.summary.runs))];
  const dates = all.map((a) => a.date.slice(0, 10)).sort();
  const head =
    `Results at commit ${commits.join(", ")} (${dates[0]}${dates.at(-1) !== dates[0] ? ` to ${dates.at(-1)}` : ""}), ` +
    `${runs.join(" or ")} runs per scenario: median (min–max).`;
  const rows = all.map((a) => {
    const s = a.summary;
    const nn = s.contenders.newsnotify;
    const ch = s.contenders.channel;
    const iw = s.contenders.inotifywait;
    return [
      scenario(a),
      cell(s.innd.createdPerSec, 0),
      cell(nn.p50),
      cell(nn.p99),
      ch ? cell(ch.p99) : "–",
      iw ? cell(iw.p99) : "–",
      `${nn.missedTotal} / ${nn.duplicatedTotal}`,
      cell(nn.throughput, 0),
      ch ? cell(ch.throughput, 0) : "–",
      cell(nn.cpuMsPerArticle, 3),
      cell(nn.bpfMsPerArticle, 3),
      cell(s.innd.cpuMsPerArticle, 3),
      cell(nn.nodePeakRssMb, 0),
    ].join(" | ");
  });
  return [
    head,
    "",
    "| scenario | innd files/s | newsnotify p50 ms | newsnotify p99 ms | channel feed p99 ms | inotifywait p99 ms | missed / dup (all runs) | newsnotify /s | channel feed /s | newsnotify CPU ms/article | of which BPF | innd's own CPU ms/article | node peak RSS MB |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows.map((r) => `| ${r} |`),
    "",
  ].join("\n");
}

/**
 * One run of the busy feed in a paragraph: the mix, and what each contender delivered of it.
 * @param {any} r
 */
export function busyLine(r) {
  const m = r.mix;
  const who = Object.values(r.contenders).map(
    (/** @type {any} */ c) =>
      `${c.label}: ${c.delivered} of ${m.accepted.wanted} wanted delivered, ${c.missed} missed, ` +
      `${c.duplicated} duplicated, ${c.unwantedDelivered} unwanted delivered`,
  );
  return (
    `Busy feed (seed ${m.seed}): ${m.planned.articles} articles fed (${f(r.feed.mb)} MB), ` +
    `${m.planned.binaries} binaries, ${m.planned.wanted} in ${m.group} (${m.planned.wantedCrossposts} ` +
    `of them crossposts filed first under another group); innd accepted ${m.accepted.wanted} wanted ` +
    `and ${m.accepted.unwanted} unwanted. ${who.join("; ")}. newsnotify's CPU is ` +
    `${f(r.contenders.newsnotify?.cpuRatioToInnd, 3)}× innd's own.`
  );
}

/**
 * The busy feed's table: CPU per article (per article fed, wanted or not) beside innd's, and the
 * subscription's accounting; one row per results file, median (min–max) over its runs.
 * @param {any[]} all multi-run results of the busy feed
 */
export function busyTable(all) {
  const rows = all.map((a) => {
    const s = a.summary;
    const nn = s.contenders.newsnotify;
    const ch = s.contenders.channel;
    return [
      scenario(a),
      cell(s.fedMb, 0),
      cell(s.innd.createdPerSec, 0),
      cell(nn.cpuMsPerArticle, 3),
      cell(nn.bpfMsPerArticle, 3),
      cell(s.innd.cpuMsPerArticle, 3),
      cell(nn.cpuRatioToInnd, 2, "×"),
      `${cell(nn.delivered, 0)} of ${cell(s.wanted, 0)}`,
      `${nn.missedTotal} / ${nn.duplicatedTotal} / ${nn.unwantedTotal}`,
      ch ? `${ch.missedTotal} / ${ch.duplicatedTotal} / ${ch.unwantedTotal}` : "–",
      cell(nn.p99),
      ch ? cell(ch.p99) : "–",
      cell(nn.nodePeakRssMb, 0),
    ].join(" | ");
  });
  return [
    `Results at commit ${[...new Set(all.flatMap((a) => a.summary.commits))].join(", ")}, ` +
      `${[...new Set(all.map((a) => a.summary.runs))].join(" or ")} runs: median (min–max). CPU per ` +
      "article fed, wanted or not.",
    "",
    "| scenario | MB fed | innd files/s | newsnotify CPU ms/article | of which BPF | innd's own CPU ms/article | newsnotify × innd | wanted delivered | newsnotify missed / dup / unwanted (all runs) | channel feed missed / dup / unwanted | newsnotify p99 ms (wanted) | channel feed p99 ms | node peak RSS MB |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows.map((r) => `| ${r} |`),
    "",
  ].join("\n");
}

/** @param {any} all multi-run results (version 2): the summary, then each run's report. */
export function multiRunReport(all) {
  const s = all.summary;
  const rows = Object.entries(s.contenders).map(([, c]) =>
    [
      c.label,
      `${c.missedTotal} / ${c.duplicatedTotal}`,
      cell(c.p50),
      cell(c.p95),
      cell(c.p99),
      cell(c.max, 1),
      cell(c.throughput, 0),
      cell(c.cpuMsPerArticle, 3),
      cell(c.bpfMsPerArticle, 3),
      cell(c.cpuPctOfInnd, 0, " %"),
      cell(c.peakRssMb, 0),
    ].join(" | "),
  );
  const b = s.contenders.newsnotify?.cpuBreakdown;
  const lines = [
    `# ${scenario(all)}: ${s.runs} run${s.runs > 1 ? "s" : ""} (${all.date.slice(0, 10)})`,
    "",
    ...(all.params.feed === "busy" ? [busyTable([all])] : [readmeTable([all])]),
    "Every contender, median (min–max) over the runs:",
    "",
    "| contender | missed / dup (all runs) | p50 ms | p95 ms | p99 ms | max ms | throughput /s | CPU ms/article | of which BPF | CPU vs innd's own | peak RSS MB |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows.map((r) => `| ${r} |`),
    `| *innd's own* | | | | | | ${cell(s.innd.createdPerSec, 0)} files | ${cell(s.innd.cpuMsPerArticle, 3)} (measured ${cell(s.innd.measuredCpuMsPerArticle, 3)}) | | 100 % | |`,
    "",
    ...(b
      ? [
          `newsnotify CPU per article (ms): node's main thread ${cell(b.nodeMain, 3)}, node's other ` +
            `threads ${cell(b.nodeOther, 3)}, bpftrace ${cell(b.bpftrace, 3)}, BPF programs ${cell(b.bpf, 3)}; ` +
            `of node's, in the kernel ${cell(b.nodeSys, 3)}.`,
          "",
        ]
      : []),
    "| target | applies to this scenario | passed |",
    "|---|---|---|",
    ...Object.entries(s.targets).map(
      ([k, t]) =>
        `| ${TARGETS[/** @type {keyof typeof TARGETS} */ (k)]} | ${t.applies ? "yes" : "no"} | ${t.applies ? `${t.passed} of ${t.of}` : "–"} |`,
    ),
    "",
    "Measured: from the first article fed to the last notification of the measured phase. Not " +
      "measured (see docs/bench.md): each contender's start-up (reported apart), the warm-up " +
      "article and the 5 sync articles before the phase. The CDF plot is of run " +
      `${all.medianRun} (the median newsnotify p99).`,
    "",
    ...all.runs.map(
      (/** @type {any} */ r, /** @type {number} */ i) =>
        `#${markdownReport(r).replace(/^## /, `## Run ${i + 1} of ${all.runs.length}: `)}`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}
