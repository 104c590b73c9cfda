// @ts-check
/**
 * Stops a child process once and for all: sends `signal`, then SIGKILL after `graceMs`, and
 * resolves when it has exited. Safe to call twice, or on a child that already exited (a promise
 * on an exit event that already happened would never resolve, and an empty event loop then ends
 * the bench before its cleanup has run).
 * @param {import("node:child_process").ChildProcess | null} child
 * @param {NodeJS.Signals | null} [signal] null: it was asked to stop some other way; just wait
 * @param {number} [graceMs]
 */
export async function stopChild(child, signal = "SIGTERM", graceMs = 10_000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  if (signal) child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}
