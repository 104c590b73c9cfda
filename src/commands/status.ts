import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { loadStateDir } from "../config/schema.js";
import { inspectLock, type LockState } from "../state/lock.js";
import { STATE_FILES } from "../state/names.js";
import { readBacklog } from "../state/outbox.js";
import { readStatus, type StatusDoc } from "../state/status.js";
import { type ClusterView, emptyNotifier, type NotifierStats } from "../stats/stats.js";
import { EXIT, errorMessage, UserError } from "../util/errors.js";
import { printable } from "../util/printable.js";

export interface StatusOptions {
  config?: string;
  json?: boolean;
  out: NodeJS.WritableStream;
}

/** A watcher's status.json this old while it runs means it is stuck (it writes once a minute). */
const STALE_MS = 3 * 60_000;

export interface NotifierReport extends Omit<NotifierStats, "latency"> {
  backlog: number;
  /** When the oldest pending notification was admitted (ms), null when none waits. */
  oldestPending: number | null;
}

/** Everything `status` found, as `--json` prints it. */
export interface StatusReport {
  stateDir: string;
  /** The pid lock: null when no lock file exists. */
  lock: LockState | null;
  running: boolean;
  /** status.json as last written (null: none yet); `current` when the running watcher wrote it. */
  status: (Omit<StatusDoc, "notifiers" | "backlog"> & { current: boolean }) | null;
  notifiers: NotifierReport[];
  /** highwater.json's mtime (ms), null when catch-up saved no marks yet. */
  marksSaved: number | null;
  healthy: boolean;
  problems: string[];
  /** Worth knowing, not failing (cluster config drift). */
  warnings: string[];
}

/**
 * `newsnotify status`: what the watcher of this state directory is doing, from its files alone (no
 * root needed: the user who owns the state directory can run it). True when a watcher runs and no
 * notifier is failing.
 */
export async function status(opts: StatusOptions): Promise<boolean> {
  const dir = await loadStateDir(opts.config);
  const report = await gather(dir);
  if (opts.json) opts.out.write(`${jsonForTerminal(report)}\n`);
  else opts.out.write(renderStatus(report, Date.now()));
  return report.healthy;
}

export async function gather(dir: string, now = Date.now()): Promise<StatusReport> {
  try {
    await readdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      return empty(dir, [`no state directory ${dir}: no watcher has run with this stateDir`]);
    }
    if (code === "EACCES" || code === "EPERM") throw await notReadable(dir, e);
    throw e;
  }
  const [lock, doc, backlog, marks] = await Promise.all([
    inspectLock(dir),
    readStatus(dir),
    readBacklog(dir),
    stat(join(dir, STATE_FILES.highwater)).then(
      (st) => st.mtimeMs,
      () => null,
    ),
  ]).catch(async (e: unknown) => {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM") throw await notReadable(dir, e);
    throw e;
  });
  const running = lock?.held === true;
  const current = doc !== null && running && doc.pid === lock?.owner?.pid;
  const problems: string[] = [];
  if (!running) {
    problems.push(
      lock?.owner && lock.alive
        ? `no watcher: the lock names pid ${lock.owner.pid}, which is not a newsnotify watch on ${dir}`
        : "no watcher is running on this state directory (start it: newsnotify watch, or systemctl start newsnotify)",
    );
  } else if (!current) {
    problems.push(`the running watcher (pid ${lock?.owner?.pid}) has written no status.json yet`);
  } else if (doc && now - doc.updated > STALE_MS) {
    problems.push(
      `status.json was last written ${ago(now - doc.updated)} ago: the watcher is stuck, or cannot write ${dir}`,
    );
  }
  // Cluster mode: the backlog is the shared queue's (plus what waits here), as the watcher read it.
  const cluster = current ? (doc?.cluster ?? null) : null;
  const notifiers = notifierReports(doc, cluster && doc ? docBacklog(doc) : backlog);
  if (cluster) problems.push(...clusterProblems(cluster));
  for (const n of notifiers) {
    if (n.failingSince !== null && (current || !running)) {
      problems.push(
        `notifier ${printable(n.label)} failing since ${iso(n.failingSince)}: ${printable(n.lastError?.message ?? "?")}`,
      );
    }
  }
  let statusPart: StatusReport["status"] = null;
  if (doc) {
    const { notifiers: _n, backlog: _b, ...rest } = doc;
    statusPart = { ...rest, current };
  }
  return {
    stateDir: dir,
    lock,
    running,
    status: statusPart,
    notifiers,
    marksSaved: marks,
    healthy: problems.length === 0,
    problems,
    warnings: cluster ? [...cluster.drift] : [],
  };
}

/** status.json's backlog per target (no oldest: the watcher keeps counts only). */
function docBacklog(doc: StatusDoc): Map<string, { pending: number; oldest: number | null }> {
  return new Map(
    Object.entries(doc.backlog ?? {})
      .filter(([, n]) => n > 0)
      .map(([t, n]) => [t, { pending: n, oldest: null }]),
  );
}

/** PostgreSQL failing is a problem: notifications wait (delayed, not lost) until it answers. */
function clusterProblems(c: ClusterView): string[] {
  if (!c.lastError) return [];
  return [
    `PostgreSQL failing since ${iso(c.lastError.at)}: ${printable(c.lastError.message)} ` +
      `(${num(c.unforwarded)} notification(s) wait in this node's journal; delivery resumes once it answers)`,
  ];
}

/** The cluster as the watcher last read it, one fact per line. */
function clusterLines(c: ClusterView, when: (ms: number) => string): [string, string][] {
  const age = (ms: number) => `${ago(ms)} ago`;
  return [
    [
      "cluster",
      `node ${printable(c.node)}, PostgreSQL at ${printable(c.postgres)}` +
        (c.connected ? "" : " (not reached yet)"),
    ],
    [
      "cluster nodes",
      c.nodes.length === 0
        ? "none read yet"
        : c.nodes
            .map(
              (n) =>
                `${printable(n.node)} (${n.recent ? "seen" : "NOT seen for"} ${age(n.seenAgoMs)})`,
            )
            .join(", "),
    ],
    [
      "cluster leases",
      c.nodes.map((n) => `${printable(n.node)} ${num(c.leases[n.node] ?? 0)}`).join(", ") || "0",
    ],
    ["cluster journal", `${num(c.unforwarded)} not yet forwarded to PostgreSQL`],
    [
      "cluster last error",
      c.lastError
        ? `${when(c.lastError.at)}: ${printable(c.lastError.message)}`
        : "none (PostgreSQL answers)",
    ],
  ];
}

/** The notifiers status.json names, plus any target the outbox still holds work for. */
function notifierReports(
  doc: StatusDoc | null,
  backlog: ReadonlyMap<string, { pending: number; oldest: number | null }>,
): NotifierReport[] {
  const out: NotifierReport[] = [];
  const listed = new Set<string>();
  for (const n of doc?.notifiers ?? []) {
    const { latency: _l, ...rest } = n;
    const b = backlog.get(n.target);
    out.push({ ...rest, backlog: b?.pending ?? 0, oldestPending: b?.oldest ?? null });
    listed.add(n.target);
  }
  for (const [target, b] of backlog) {
    if (listed.has(target)) continue;
    const label = `outbox target ${target} (not in status.json: no longer configured?)`;
    const { latency: _l, ...empty } = emptyNotifier(target, label);
    out.push({ ...empty, backlog: b.pending, oldestPending: b.oldest });
  }
  return out;
}

function empty(dir: string, problems: string[]): StatusReport {
  return {
    stateDir: dir,
    lock: null,
    running: false,
    status: null,
    notifiers: [],
    marksSaved: null,
    healthy: false,
    problems,
    warnings: [],
  };
}

/** Not permitted to read it: who may, and how (exit 4). */
async function notReadable(dir: string, e: unknown): Promise<UserError> {
  const st = await stat(dir).catch(() => null);
  const owner = st ? await userName(st.uid) : null;
  const mode = st ? ` (mode 0${(st.mode & 0o777).toString(8)})` : "";
  const how =
    owner === null
      ? "as the user who runs the watcher"
      : owner === "root"
        ? "as root (sudo newsnotify status)"
        : `as ${owner}, who owns it (sudo -u ${owner} newsnotify status)`;
  return new UserError(
    `cannot read the state directory ${dir}${mode}: ${errorMessage(e)}. Run newsnotify status ${how}; ` +
      "the state directory stays private, as it holds article data and notifier URLs.",
    EXIT.permission,
  );
}

/** The name /etc/passwd gives uid, else "uid N". */
async function userName(uid: number): Promise<string> {
  if (uid === 0) return "root";
  const passwd = await readFile("/etc/passwd", "utf8").catch(() => "");
  for (const line of passwd.split("\n")) {
    const [name, , id] = line.split(":");
    if (name && Number(id) === uid) return name;
  }
  return `uid ${uid}`;
}

/** One fact per line, as `doctor` prints them; PROBLEM lines last. */
export function renderStatus(r: StatusReport, now: number): string {
  const when = (ms: number | null | undefined) =>
    ms === null || ms === undefined ? "never" : `${iso(ms)} (${ago(now - ms)} ago)`;
  const lines: [string, string][] = [["state directory", r.stateDir]];
  const owner = r.lock?.owner;
  lines.push([
    "watcher",
    r.running && owner
      ? `running: pid ${owner.pid}, a newsnotify watch on this directory`
      : owner
        ? `none: the lock names pid ${owner.pid} (${r.lock?.alive ? "alive, but not a newsnotify watch on this directory" : "not running"})`
        : "none (no lock held)",
  ]);
  const s = r.status;
  if (s) {
    lines.push(["started", when(s.started)]);
    if (s.stopped !== null) lines.push(["stopped", when(s.stopped)]);
    lines.push(["status written", `${when(s.updated)}${s.current ? "" : " by an earlier run"}`]);
    lines.push([
      "source",
      s.mode
        ? `${printable(s.mode.source)} (${printable(s.mode.detail)}), since ${when(s.mode.since)}`
        : "not attached yet",
    ]);
    const a = s.lastArticle;
    lines.push([
      "last article",
      a
        ? `${printable(a.messageId)} in ${printable(a.group)}, seen ${when(a.at)} by ${printable(a.via)}`
        : "none since start",
    ]);
    const seen = Object.entries(s.seen);
    lines.push([
      "articles seen",
      seen.length > 0 ? seen.map(([k, v]) => `${printable(k)} ${num(v)}`).join(", ") : "0",
    ]);
    lines.push(["lost trace events", num(s.lostEvents)]);
    lines.push(["bpftrace restarts", num(s.restarts)]);
    lines.push([
      "catch-up",
      `${num(s.catchUp.runs)} run(s), ${num(s.catchUp.articles)} article(s)` +
        (s.catchUp.last
          ? `; last ${when(s.catchUp.last.at)} (${printable(s.catchUp.last.reason)})`
          : ""),
    ]);
    lines.push([
      "metrics",
      s.metrics === null ? "off (set metrics: in the config)" : printable(s.metrics),
    ]);
    if (s.cluster) lines.push(...clusterLines(s.cluster, when));
  } else {
    lines.push([
      "status written",
      "never (no status.json: no watcher of this version has run here)",
    ]);
  }
  lines.push([
    "catch-up marks",
    r.marksSaved === null ? "none saved yet" : `highwater.json saved ${when(r.marksSaved)}`,
  ]);
  for (const [i, n] of r.notifiers.entries()) {
    const k = `notifier ${i + 1}`;
    lines.push([k, printable(n.label)]);
    lines.push([
      `${k} backlog`,
      n.backlog === 0
        ? "0"
        : `${n.backlog} pending` +
          (n.oldestPending !== null ? `, the oldest since ${when(n.oldestPending)}` : ""),
    ]);
    lines.push([
      `${k} last delivered`,
      n.lastDelivered
        ? `${printable(n.lastDelivered.messageId)} ${when(n.lastDelivered.at)}`
        : "none since start",
    ]);
    lines.push([
      `${k} last error`,
      n.lastError
        ? `${when(n.lastError.at)}: ${printable(n.lastError.message)}`
        : "none since start",
    ]);
    lines.push([
      `${k} counts`,
      `delivered ${num(n.delivered)}, failed attempts ${num(n.failed)}, dropped ${num(n.dropped)}` +
        (n.failingSince !== null ? `; FAILING since ${iso(n.failingSince)}` : ""),
    ]);
  }
  const width = Math.max(...lines.map(([k]) => k.length));
  const text = lines.map(([k, v]) => `${k.padEnd(width)}  ${v}\n`).join("");
  return (
    text +
    r.warnings.map((w) => `WARNING: ${w}\n`).join("") +
    r.problems.map((p) => `PROBLEM: ${p}\n`).join("")
  );
}

function iso(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? printable(String(ms)) : d.toISOString();
}

/** A count from status.json, which a stranger with write access could have made a string. */
function num(n: unknown): string {
  return printable(String(n));
}

/**
 * JSON whose strings show C1 controls, DEL and the invisible or reordering Unicode characters as
 * `\uNNNN` escapes (JSON.stringify escapes only C0): status.json is read from a directory its owner
 * may write, and `status --json` often goes to a terminal.
 */
export function jsonForTerminal(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    INVISIBLE,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

const INVISIBLE =
  /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/g;

/** "4 s", "3 min", "5 h", "2 days". */
export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} days`;
}
