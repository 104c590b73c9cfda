import { closeDelivery, openDelivery } from "../flow/delivery.js";
import { observe } from "../flow/observe.js";
import { openState } from "../flow/run-state.js";
import { chooseFor, gatherHost, loadSetup, type Setup } from "../flow/setup.js";
import { Watcher } from "../flow/watcher.js";
import { bpftracePrivilege } from "../sources/privilege.js";
import type { SourceChoice } from "../sources/registry.js";
import { Stats } from "../stats/stats.js";
import { ensureTracefs, pidsNamed } from "../system/facts.js";
import type { HostFacts } from "../system/host.js";
import { EXIT, errorMessage, UserError } from "../util/errors.js";
import type { Log } from "../util/log.js";

export interface WatchOptions {
  config?: string;
  log: Log;
  /** Resolves when the watcher should stop (SIGINT/SIGTERM at the CLI). */
  stopSignal: Promise<string>;
  stdout?: NodeJS.WritableStream;
  /** Counters for `status` and /metrics (kept across a SIGHUP reload). */
  stats?: Stats;
}

/** `newsnotify watch`: see innd store articles and notify each, until told to stop. */
export async function watch(opts: WatchOptions): Promise<void> {
  const setup = await loadSetup(opts.config);
  const { host, choice } = await preflight(setup, opts.log);
  const state = await openState(setup.config.stateDir, opts.log);
  const stats = opts.stats ?? new Stats();
  try {
    // status.json and /metrics; closed last, so the last status written says what was left.
    const seeing = await observe(setup.config, state.dir, stats, opts.log);
    try {
      const delivery = await openDelivery(setup, state, { ...opts, stats });
      try {
        const watcher = new Watcher({ setup, host, choice, state, delivery, log: opts.log, stats });
        await watcher.run(opts.stopSignal);
      } finally {
        await closeDelivery(delivery, opts.log);
      }
    } finally {
      await seeing.close();
    }
  } finally {
    await state.close();
  }
}

/** Fails early, with what to do, when bpftrace cannot run at all; then picks the source. */
async function preflight(
  setup: Setup,
  log: Log,
): Promise<{ host: HostFacts; choice: SourceChoice }> {
  const { config } = setup;
  const command = config.bpftrace;
  const host = await gatherHost(setup);
  if (!host.bpftrace) {
    throw new UserError(
      `cannot run ${command.join(" ")} --version. Install bpftrace (Debian/Ubuntu: apt-get install bpftrace), ` +
        `or set "bpftrace:" in the config to the command that runs it.`,
      EXIT.prerequisite,
    );
  }
  const privilege = bpftracePrivilege(command, process.getuid?.());
  if (privilege === null) {
    throw new UserError(
      `bpftrace needs root (CAP_BPF and CAP_PERFMON). Run newsnotify as root, or set ` +
        `bpftrace: [sudo, -n, /usr/libexec/newsnotify/bpftrace] in the config (a root-owned wrapper, not bpftrace itself: see the README, Security).`,
      EXIT.permission,
    );
  }
  if (privilege === "root") {
    const mounted = await ensureTracefs().catch((e: unknown) => {
      throw new UserError(
        `tracefs is not mounted and mounting it failed: ${errorMessage(e)}`,
        EXIT.prerequisite,
      );
    });
    if (mounted) log("info", mounted);
  }
  if ((await pidsNamed(config.process)).length === 0) {
    log(
      "warn",
      `no process named ${config.process} is running yet; articles appear once it starts`,
    );
  }
  return { host, choice: chooseFor(setup, host) };
}
