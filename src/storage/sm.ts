import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { type RunAsUser, type SpawnIdentity, spawnIdentity } from "../util/trusted-program.js";

/**
 * INN's own `sm`, batched: `sm -R TOKEN...` prints each article it can read in wire format, one
 * after another, and says `sm: could not retrieve TOKEN` on stderr for each it cannot. Every method
 * works through it (timecaf and CNFS have no file per article), with INN's own code reading INN's
 * formats. Framing: a wire-format article ends with CRLF "." CRLF and no line inside is a lone "."
 * (dot-stuffed), so the output splits unambiguously; the failed tokens named on stderr say which
 * tokens the articles belong to (in order). No shell: tokens are argv entries, validated first.
 */

/** Where INN installs sm (Debian's inn2 first). */
export const SM_PATHS = [
  "/usr/lib/news/bin/sm",
  "/usr/local/news/bin/sm",
  "/opt/inn/bin/sm",
  "/usr/libexec/news/sm",
];

export interface SmOptions {
  /** sm's path (INN's pathbin/sm); default: the first of SM_PATHS that exists. */
  bin?: string;
  /** Tokens per exec (argv stays small: 38 bytes a token). */
  batch?: number;
  /** Bytes of output per exec before it is killed (a runaway or a huge batch). */
  maxBytes?: number;
  timeoutMs?: number;
  /** Who runs an sm that root cannot trust (util/trusted-program.ts): INN's runasuser. */
  runAs?: RunAsUser | null;
  /** For tests: the identity to run sm with, instead of checking who may own it. */
  identity?: SpawnIdentity;
}

export type SmResult = { ok: true; article: Buffer } | { ok: false; reason: string };

const TOKEN = /^@[0-9A-F]{36}@$/;
const END = Buffer.from("\r\n.\r\n");

export class SmError extends Error {
  override name = "SmError";
}

/** Reads articles by token, `batch` tokens per sm run; a result for every token, in a Map. */
export async function smRead(
  tokens: readonly string[],
  opts: SmOptions = {},
): Promise<Map<string, SmResult>> {
  const bin = opts.bin ?? SM_PATHS.find((p) => existsSync(p));
  if (!bin) throw new SmError(`INN's sm not found (looked at ${SM_PATHS.join(", ")})`);
  const as =
    opts.identity ??
    (await spawnIdentity(bin, opts.runAs).catch((e: Error) => {
      throw new SmError(e.message);
    }));
  const batch = Math.max(1, opts.batch ?? 100);
  const out = new Map<string, SmResult>();
  const valid = [...new Set(tokens)].filter((t) => {
    if (TOKEN.test(t)) return true;
    out.set(t, { ok: false, reason: `not an INN token: ${JSON.stringify(t.slice(0, 60))}` });
    return false;
  });
  for (let i = 0; i < valid.length; i += batch) {
    const chunk = valid.slice(i, i + batch);
    for (const [t, r] of await runOnce(bin, chunk, opts, as)) out.set(t, r);
  }
  return out;
}

/** One sm run over `tokens` (all valid, distinct). */
async function runOnce(
  bin: string,
  tokens: string[],
  opts: SmOptions,
  as: SpawnIdentity,
): Promise<Map<string, SmResult>> {
  const { stdout, stderr, code } = await exec(bin, ["-R", ...tokens], opts, as);
  const failed = new Map<string, string>();
  for (const line of stderr.split("\n")) {
    const m = /(@[0-9A-F]{36}@)/.exec(line);
    if (m?.[1] && tokens.includes(m[1])) failed.set(m[1], line.replace(/^sm: /, "").trim());
  }
  const articles = splitArticles(stdout);
  const found = tokens.filter((t) => !failed.has(t));
  if (articles.length !== found.length) {
    throw new SmError(
      `sm printed ${articles.length} articles for ${found.length} readable tokens (exit ${code}): ${stderr.trim().slice(0, 300)}`,
    );
  }
  const out = new Map<string, SmResult>();
  for (const [t, reason] of failed) out.set(t, { ok: false, reason });
  found.forEach((t, i) => {
    out.set(t, { ok: true, article: articles[i] as Buffer });
  });
  return out;
}

/** Pure: sm -R's output → one Buffer per article, each ending with its CRLF "." CRLF. */
export function splitArticles(stdout: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  while (start < stdout.length) {
    const at = stdout.indexOf(END, start);
    if (at === -1)
      throw new SmError(
        `sm's output ends inside an article (${stdout.length - start} bytes without CRLF . CRLF)`,
      );
    const end = at + END.length;
    out.push(Buffer.from(stdout.subarray(start, end)));
    start = end;
  }
  return out;
}

function exec(
  bin: string,
  args: string[],
  opts: SmOptions,
  as: SpawnIdentity,
): Promise<{ stdout: Buffer; stderr: string; code: number | null }> {
  const maxBytes = opts.maxBytes ?? 256 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"], shell: false, ...as });
    const chunks: Buffer[] = [];
    let size = 0;
    let err = "";
    let failure: SmError | null = null;
    const timer = setTimeout(() => {
      failure = new SmError(`sm did not finish within ${opts.timeoutMs ?? 60_000} ms`);
      child.kill("SIGKILL");
    }, opts.timeoutMs ?? 60_000);
    child.stdout.on("data", (d: Buffer) => {
      size += d.length;
      if (size > maxBytes) {
        failure ??= new SmError(`sm printed more than ${maxBytes} bytes; stopped`);
        child.kill("SIGKILL");
        return;
      }
      chunks.push(d);
    });
    child.stderr.on("data", (d: Buffer) => {
      if (err.length < 64 * 1024) err += d.toString("utf8");
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new SmError(`cannot run ${bin}: ${e.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (failure) reject(failure);
      else resolve({ stdout: Buffer.concat(chunks), stderr: err, code });
    });
  });
}
