/**
 * The real innd for end-to-end tests. Nothing here installs packages (scripts/test.sh does that,
 * as root): a missing prerequisite fails loudly with what to run, it never skips.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const INNBIN = "/usr/lib/news/bin";

/** Throws with a clear message unless we are root with bpftrace and inn2 installed. */
export function requirePrerequisites(): void {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push("root (bpftrace needs it)");
  if (spawnSync("bpftrace", ["--version"]).status !== 0)
    missing.push("bpftrace (apt-get install bpftrace)");
  if (!existsSync(`${INNBIN}/innd`)) missing.push("inn2 (apt-get install inn2)");
  if (!existsSync("/usr/bin/inews")) missing.push("inews (from inn2)");
  if (missing.length > 0) {
    throw new Error(
      `end-to-end prerequisites missing: ${missing.join(", ")}. Run the suite with \`sudo scripts/test.sh\`, ` +
        "which installs and configures them.",
    );
  }
}

export function innconfval(key: string): string {
  return execFileSync(`${INNBIN}/innconfval`, [key], { encoding: "utf8" }).trim();
}

export function spool(): string {
  return innconfval("patharticles");
}

/** The tradspool file innd filed an article of `group` in (its Message-ID is in the file). */
export function spoolFile(group: string, id: string): string {
  const dir = join(spool(), ...group.split("."));
  const names = readdirSync(dir)
    .filter((n) => /^\d+$/.test(n))
    .sort((a, b) => Number(b) - Number(a));
  for (const n of names.slice(0, 200)) {
    if (readFileSync(join(dir, n), "latin1").includes(id)) return join(dir, n);
  }
  throw new Error(`${id} not found in ${dir}`);
}

export function activeFile(): string {
  return `${innconfval("pathdb")}/active`;
}

/**
 * Whether the *system* innd runs: its pid file (pathrun/innd.pid) names a live innd. Not `pgrep -x
 * innd`: the benchmark runs private innds (INNCONF=...) that must not be mistaken for it.
 */
export function inndRunning(): boolean {
  try {
    const pid = readFileSync(join(innconfval("pathrun"), "innd.pid"), "utf8").trim();
    return /^\d+$/.test(pid) && readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "innd";
  } catch {
    return false;
  }
}

export function stopInnd(): void {
  if (!inndRunning()) return;
  spawnSync("su", ["news", "-s", "/bin/sh", "-c", `${INNBIN}/rc.news stop >/dev/null 2>&1`], {
    stdio: "ignore",
  });
  for (let i = 0; i < 150 && inndRunning(); i++) spawnSync("sleep", ["0.2"]);
  if (inndRunning()) throw new Error("innd did not stop within 30 s (rc.news stop)");
}

/** Starts the system innd as news (rc.news) unless it runs; waits until ctlinnd gets an answer. */
export function startInnd(): void {
  if (!inndRunning()) {
    mkdirSync("/run/news", { recursive: true });
    execFileSync("chown", ["news:news", "/run/news"]);
    // rc.news's helpers keep inherited pipes open forever: give it none.
    spawnSync(
      "su",
      ["news", "-s", "/bin/sh", "-c", `${INNBIN}/rc.news >/dev/null 2>&1 </dev/null`],
      {
        stdio: "ignore",
      },
    );
  }
  for (let i = 0; i < 150; i++) {
    if (spawnSync(`${INNBIN}/ctlinnd`, ["-t", "5", "mode"], { stdio: "ignore" }).status === 0)
      return;
    spawnSync("sleep", ["0.2"]);
  }
  throw new Error("innd did not start within 30 s (see /var/log/news/news.err)");
}

/** Restarts innd (it reads storage.conf and cycbuff.conf only at start). */
export function restartInnd(): void {
  stopInnd();
  startInnd();
}

/**
 * restartInnd without blocking the event loop: a receiver in this process keeps answering meanwhile.
 * (Two blocking restarts took over 10 s on a loaded machine: a webhook request in flight went
 * unanswered for longer than newsnotify's timeout, was retried, and the receiver counted it twice.)
 */
export async function restartInndAsync(): Promise<void> {
  const { execa } = await import("execa");
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  if (inndRunning()) {
    await execa("su", ["news", "-s", "/bin/sh", "-c", `${INNBIN}/rc.news stop >/dev/null 2>&1`], {
      stdio: "ignore",
      reject: false,
    });
    for (let i = 0; i < 150 && inndRunning(); i++) await sleep(200);
    if (inndRunning()) throw new Error("innd did not stop within 30 s (rc.news stop)");
  }
  mkdirSync("/run/news", { recursive: true });
  execFileSync("chown", ["news:news", "/run/news"]);
  // rc.news's helpers keep inherited pipes open forever: give it none.
  await execa(
    "su",
    ["news", "-s", "/bin/sh", "-c", `${INNBIN}/rc.news >/dev/null 2>&1 </dev/null`],
    {
      stdio: "ignore",
      reject: false,
    },
  );
  for (let i = 0; i < 150; i++) {
    const r = await execa(`${INNBIN}/ctlinnd`, ["-t", "5", "mode"], {
      stdio: "ignore",
      reject: false,
    });
    if (r.exitCode === 0) return;
    await sleep(200);
  }
  throw new Error("innd did not start within 30 s (see /var/log/news/news.err)");
}

/** Starts innd as news (per INN's rc.news) unless it runs already; waits until it answers. */
export function ensureInnd(): void {
  startInnd();
}

/** Creates a group unless the active file has it. */
export function ensureGroup(name: string): void {
  const active = readFileSync(activeFile(), "utf8");
  if (active.split("\n").some((l) => l.startsWith(`${name} `))) return;
  execFileSync(`${INNBIN}/ctlinnd`, ["newgroup", name, "y"], { stdio: "ignore" });
}

/** A Message-ID no earlier run used (innd rejects a Message-ID it has seen). */
export function newMessageId(tag: string): string {
  return `<${tag}.${Date.now()}.${randomBytes(6).toString("hex")}@e2e.newsnotify.test>`;
}

/**
 * Posts without blocking the event loop (a receiver in this process keeps answering meanwhile, as a
 * real one would); throws on rejection.
 */
export async function postAsync(article: string): Promise<void> {
  const { execa } = await import("execa");
  const r = await execa("inews", ["-h"], { input: article, reject: false });
  if (r.exitCode !== 0) throw new Error(`inews failed (${r.exitCode}): ${r.stderr}`);
}

/** Posts an article (headers + blank line + body, "\n" line ends) with inews; throws on rejection. */
export function post(article: string): void {
  const r = spawnSync("inews", ["-h"], { input: article, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`inews failed (${r.status}): ${r.stderr}`);
}
