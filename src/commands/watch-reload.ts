import { loadSetup } from "../flow/setup.js";
import { Stats } from "../stats/stats.js";
import { systemdNotifier } from "../system/sdnotify.js";
import { ConfigError, errorMessage } from "../util/errors.js";
import { type WatchOptions, watch } from "./watch.js";

/**
 * `watch` that re-reads its config on SIGHUP (`systemctl reload`): the running watch is stopped as on
 * SIGTERM (bpftrace detached, the outbox closed with whatever is undelivered) and started again with
 * the new config (the outbox resent, the gap caught up from the spool like any start). A config that
 * does not load is reported and the running watch keeps going.
 */
export async function watchReloading(
  opts: WatchOptions & { reloadSignal: (listener: () => void) => void },
): Promise<void> {
  const { log } = opts;
  const sd = systemdNotifier(log);
  let hup: (() => void) | null = null;
  let checking = false;
  opts.reloadSignal(() => {
    if (!hup || checking) return;
    const reload = hup;
    checking = true;
    // Checked before anything stops: a typo in the file must not take the watcher down.
    loadSetup(opts.config).then(
      () => {
        checking = false;
        sd.reloading("reloading the config");
        reload();
      },
      (e: unknown) => {
        checking = false;
        const what = e instanceof ConfigError ? e.problems.join("; ") : errorMessage(e);
        log("error", `SIGHUP: the config was not reloaded, the running watch goes on: ${what}`);
      },
    );
  });
  // One set of counters for every config this process runs: /metrics counters never go back.
  const stats = opts.stats ?? new Stats();
  let stopped = false;
  void opts.stopSignal.then((sig) => {
    stopped = true;
    sd.stopping(`${sig}: stopping`);
  });
  for (;;) {
    const reloaded = new Promise<string>((r) => (hup = () => r("SIGHUP")));
    await watch({ ...opts, stats, stopSignal: Promise.race([opts.stopSignal, reloaded]) });
    hup = null;
    if (stopped) break;
    log(
      "info",
      `SIGHUP: starting again with ${opts.config ?? "no config file (INN's paths, the stdout notifier)"}`,
    );
  }
  await sd.flush();
}
