import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type RunAsUser, type SpawnIdentity, spawnIdentity } from "../util/trusted-program.js";

const MESSAGE_ID = /^<[^\s<>\0]{1,248}>$/;

/**
 * Storage tokens of Message-IDs, from innd's history (INN's `grephistory -s`: Message-IDs on stdin,
 * one per line; it prints the token of each it has stored, in order, and nothing for the others).
 * Two execs for the whole list; no shell. Returns Message-ID → token for those it has. A grephistory
 * that root cannot trust runs as `runAs` (util/trusted-program.ts).
 */
export async function historyTokens(
  messageIds: readonly string[],
  pathbin: string,
  timeoutMs = 60_000,
  runAs?: RunAsUser | null,
): Promise<Map<string, string>> {
  const ids = [...new Set(messageIds)].filter((id) => MESSAGE_ID.test(id));
  const out = new Map<string, string>();
  if (ids.length === 0) return out;
  const bin = join(pathbin, "grephistory");
  if (!existsSync(bin)) throw new Error(`INN's grephistory not found at ${bin}`);
  const as = await spawnIdentity(bin, runAs);
  // -s prints one line per Message-ID history knows (its token, or /dev/null when it has none) and
  // nothing for the others, so the unknown ones (-i prints them) are taken out first to keep the
  // answers aligned.
  const unknown = new Set(await run(bin, ["-i"], `${ids.join("\n")}\n`, timeoutMs, as));
  const known = ids.filter((id) => !unknown.has(id));
  if (known.length === 0) return out;
  const lines = await run(bin, ["-s"], `${known.join("\n")}\n`, timeoutMs, as);
  if (lines.length !== known.length) {
    throw new Error(
      `grephistory -s answered ${lines.length} lines for ${known.length} Message-IDs`,
    );
  }
  known.forEach((id, i) => {
    const t = lines[i];
    if (t && /^@[0-9A-F]{36}@$/.test(t)) out.set(id, t);
  });
  return out;
}

function run(
  bin: string,
  args: string[],
  input: string,
  timeoutMs: number,
  as: SpawnIdentity,
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ["pipe", "pipe", "pipe"], shell: false, ...as });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.setEncoding("latin1").on("data", (d: string) => {
      if (stdout.length < 16 * 1024 * 1024) stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      if (stderr.length < 4096) stderr += d;
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code !== 0 && stdout === "") {
        reject(new Error(`grephistory exited ${code}: ${stderr.trim().slice(0, 200)}`));
      } else
        resolve(
          stdout
            .split("\n")
            .filter((l) => l.trim() !== "")
            .map((l) => l.trim()),
        );
    });
    child.stdin.on("error", () => {});
    child.stdin.end(input);
  });
}
