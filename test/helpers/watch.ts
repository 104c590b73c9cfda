/** Runs `bin/newsnotify watch` as users do, and collects what it logs. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { execa, type ResultPromise } from "execa";

const BIN = new URL("../../bin/newsnotify", import.meta.url).pathname;

export interface Watcher {
  proc: ResultPromise;
  /** Every line it printed (stdout and stderr), in order. */
  log: string[];
  /** Resolves at the first line matching `re` (searching what was printed already too). */
  waitForLine(re: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | undefined>;
}

export interface WatchOptions {
  /** Extra environment (e.g. FAKE_BPFTRACE_*, PATH). */
  env?: Record<string, string>;
  /** Runs `wrap... bin/newsnotify watch ...` (e.g. unshare), the CLI's path given as $NEWSNOTIFY. */
  wrap?: string[];
  /** No --config: the defaults (stdout notifier, /var/lib/newsnotify). */
  noConfig?: boolean;
}

export function startWatch(configFile: string, o: WatchOptions = {}): Watcher {
  const args = o.noConfig ? ["watch"] : ["watch", "--config", configFile];
  const [cmd, ...pre] = o.wrap ?? [BIN];
  const proc = execa(cmd as string, o.wrap ? [...pre] : args, {
    reject: false,
    all: true,
    stdin: "ignore",
    env: { ...o.env, NEWSNOTIFY: BIN, NEWSNOTIFY_ARGS: args.join(" ") },
    // SIGTERM may take the 5 s drain of notifications in flight: SIGKILL only well after that.
    forceKillAfterDelay: 20_000,
  });
  const log: string[] = [];
  const waiters = new Set<() => void>();
  if (proc.all) {
    createInterface({ input: proc.all }).on("line", (line) => {
      log.push(line);
      for (const w of waiters) w();
    });
  }
  const waitForLine = (re: RegExp, timeoutMs = 60_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const hit = log.find((l) => re.test(l));
        if (!hit) return;
        cleanup();
        resolve(hit);
      };
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(`no line matching ${re} in ${timeoutMs} ms; watch said:\n${log.join("\n")}`),
        );
      }, timeoutMs);
      waiters.add(check);
      check();
      void proc.then(() => {
        setTimeout(() => {
          if (!waiters.has(check)) return;
          cleanup();
          reject(new Error(`watch exited before ${re}:\n${log.join("\n")}`));
        }, 50);
      });
    });
  return {
    proc,
    log,
    waitForLine,
    stop: async () => {
      proc.kill("SIGTERM");
      return (await proc).exitCode;
    },
  };
}

/** A config file (in a new temporary directory) that sends every article to one webhook URL. */
export function webhookConfig(url: string, prefix = "newsnotify-e2e-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const config = join(dir, "config.yaml");
  writeFileSync(
    config,
    `mode: auto\nstateDir: ${join(dir, "state")}\nnotifiers:\n  - type: webhook\n    url: ${url}\n`,
  );
  return config;
}
