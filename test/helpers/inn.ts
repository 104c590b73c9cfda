/**
 * The real innd for end-to-end tests. Nothing here installs packages (scripts/test.sh does that,
 * as root): a missing prerequisite fails loudly with what to run, it never skips.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { createConnection } from "node:net";
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
 * Throws unless the article is dated at post time: innd refuses a Date older than its artcutoff (10
 * days by default), so a date written into a test passes the week it is written and fails after.
 * No Date header is fine (inews adds the current one).
 */
export function requireDatedNow(article: string, now = Date.now()): void {
  const head = article.split(/\r?\n\r?\n/, 1)[0] ?? "";
  const m = /^Date:[ \t]*(.*)$/im.exec(head);
  if (!m) return;
  const t = Date.parse(m[1] as string);
  const dayMs = 86_400_000;
  if (Number.isNaN(t) || t < now - dayMs || t > now + dayMs) {
    throw new Error(
      `test bug: the article to post says "Date: ${m[1]}", not today's date: innd refuses articles older ` +
        "than its artcutoff (10 days), so the test would fail in a few days. Leave the Date out " +
        "(inews adds one) or write it from new Date() at post time.",
    );
  }
}

/**
 * Posts without blocking the event loop (a receiver in this process keeps answering meanwhile, as a
 * real one would); throws on rejection.
 */
export async function postAsync(article: string): Promise<void> {
  requireDatedNow(article);
  const { execa } = await import("execa");
  const r = await execa("inews", ["-h"], { input: article, reject: false });
  if (r.exitCode !== 0) throw new Error(`inews failed (${r.exitCode}): ${r.stderr}`);
}

/** Posts an article (headers + blank line + body, "\n" line ends) with inews; throws on rejection. */
export function post(article: string): void {
  requireDatedNow(article);
  const r = spawnSync("inews", ["-h"], { input: article, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`inews failed (${r.status}): ${r.stderr}`);
}

/**
 * Offers an article to innd as a peer does (IHAVE on 127.0.0.1:119, the `ME` peer of Debian's
 * incoming.conf): the way control messages arrive from the network, which inews refuses to post
 * ("ask your news administrator to do the newgroup for you"). Path and Date are added when missing.
 */
export async function ihave(article: string, messageId: string): Promise<void> {
  requireDatedNow(article);
  let text = article.replace(/\r?\n/g, "\r\n");
  if (!/^Date:/im.test(text.split("\r\n\r\n", 1)[0] ?? ""))
    text = `Date: ${new Date().toUTCString().replace("GMT", "+0000")}\r\n${text}`;
  if (!/^Path:/im.test(text)) text = `Path: e2e.newsnotify.test!not-for-mail\r\n${text}`;
  const body = text.endsWith("\r\n") ? text : `${text}\r\n`;
  const stuffed = body.replace(/^\./gm, "..");
  const socket = createConnection({ host: "127.0.0.1", port: 119 });
  socket.setEncoding("latin1");
  let buffer = "";
  const answers: string[] = [];
  let wake: (() => void) | undefined;
  socket.on("data", (d: string) => {
    buffer += d;
    for (let i = buffer.indexOf("\r\n"); i >= 0; i = buffer.indexOf("\r\n")) {
      answers.push(buffer.slice(0, i));
      buffer = buffer.slice(i + 2);
    }
    wake?.();
  });
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  const failed = new Promise<never>((_, reject) => socket.on("error", reject));
  const answer = async (): Promise<string> => {
    while (answers.length === 0) {
      await Promise.race([new Promise<void>((r) => (wake = r)), closed, failed]);
      if (answers.length === 0 && socket.destroyed) throw new Error("innd closed the connection");
    }
    return answers.shift() as string;
  };
  try {
    const expect = async (code: string, what: string) => {
      const line = await answer();
      if (!line.startsWith(code)) throw new Error(`innd answered ${what} with: ${line}`);
    };
    await expect("20", "the connection");
    socket.write(`IHAVE ${messageId}\r\n`);
    await expect("335", `IHAVE ${messageId}`);
    socket.write(`${stuffed}.\r\n`, "latin1");
    await expect("235", "the article");
    socket.write("QUIT\r\n");
  } finally {
    socket.end();
  }
}
