import { execFile } from "node:child_process";
import type { Log } from "../util/log.js";

/**
 * sd_notify(3) for a `Type=notify` unit: READY=1 once bpftrace is attached, STATUS= lines, RELOADING=1
 * on SIGHUP and STOPPING=1 on SIGTERM. Without $NOTIFY_SOCKET (not started by systemd) every call is
 * a no-op.
 *
 * Node has no AF_UNIX datagram sockets, so each message goes through systemd's own `systemd-notify`
 * (shipped with systemd, so present wherever NOTIFY_SOCKET is), spawned by this process. Run as root
 * with CAP_SYS_ADMIN it sends the datagram with *our* PID as the sender ("the invoking process",
 * systemd-notify(1)), so `NotifyAccess=main` accepts it and systemd never has to look up the cgroup of
 * a sender that may already have exited (the race `NotifyAccess=all` has with systemd-notify).
 */
export interface SdNotify {
  /** READY=1 with a STATUS= line: the service is up (or back up after a reload). */
  ready(status: string): void;
  /** STATUS= only; calls closer than `minIntervalMs` are coalesced (the last text wins). */
  status(status: string): void;
  reloading(status: string): void;
  stopping(status: string): void;
  /** Resolves once every message queued so far was handed to systemd. */
  flush(): Promise<void>;
}

export interface SdNotifyOptions {
  env?: NodeJS.ProcessEnv;
  /** argv that sends one message given as further arguments (a test seam). */
  command?: readonly string[];
  minIntervalMs?: number;
  log?: Log;
}

/** Control characters would end a STATUS= assignment early or garble `systemctl status`. */
export function statusText(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  return s.replace(/[\x00-\x1f\x7f]+/g, " ").slice(0, 400);
}

export function sdNotify(o: SdNotifyOptions = {}): SdNotify {
  const env = o.env ?? process.env;
  const command = o.command ?? ["systemd-notify"];
  const minInterval = o.minIntervalMs ?? 1000;
  if (!env.NOTIFY_SOCKET) {
    const none = () => {};
    return { ready: none, status: none, reloading: none, stopping: none, flush: async () => {} };
  }
  // In order, one at a time: READY=1 must reach systemd before a later STATUS= or STOPPING=1.
  let chain: Promise<void> = Promise.resolve();
  let warned = false;
  const send = (...assignments: string[]) => {
    const [cmd, ...pre] = command;
    if (!cmd) return;
    chain = chain.then(
      () =>
        new Promise<void>((done) => {
          execFile(cmd, [...pre, ...assignments], { env, timeout: 10_000 }, (err, _out, stderr) => {
            if (err && !warned) {
              warned = true;
              o.log?.(
                "warn",
                `systemd-notify ${assignments[0]} failed (${String(stderr).trim() || err.message}); ` +
                  "systemd may not see this service as started",
              );
            }
            done();
          });
        }),
    );
  };

  let lastStatusAt = 0;
  let pending: string | null = null;
  let timer: NodeJS.Timeout | null = null;
  const flushStatus = () => {
    timer = null;
    if (pending === null) return;
    lastStatusAt = Date.now();
    send(`STATUS=${statusText(pending)}`);
    pending = null;
  };
  const dropPending = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    pending = null;
  };

  return {
    ready: (s) => {
      dropPending();
      lastStatusAt = Date.now();
      send("READY=1", `STATUS=${statusText(s)}`);
    },
    status: (s) => {
      pending = s;
      if (timer) return;
      const wait = lastStatusAt + minInterval - Date.now();
      if (wait <= 0) flushStatus();
      else timer = setTimeout(flushStatus, wait).unref();
    },
    reloading: (s) => {
      dropPending();
      send("RELOADING=1", `STATUS=${statusText(s)}`);
    },
    stopping: (s) => {
      dropPending();
      send("STOPPING=1", `STATUS=${statusText(s)}`);
    },
    flush: () => chain,
  };
}

let shared: SdNotify | undefined;
/** The process's one notifier (NOTIFY_SOCKET is per process): watch and its reload loop share it. */
export function systemdNotifier(log?: Log): SdNotify {
  shared ??= sdNotify({ log });
  return shared;
}
