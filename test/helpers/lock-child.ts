/**
 * A process that takes a state directory's lock as `newsnotify watch` would, for lock.test.ts's
 * cross-process races (bundled by lockChildEntry: a child process cannot load TypeScript).
 * argv: DIR, then anything (the test passes `/opt/newsnotify/bin/newsnotify watch`, so that the
 * real holdsLock takes this process for a watch). Prints `ready` once loaded and waits for a line
 * on stdin (so that several start racing at one moment, not as each node happens to boot), then
 * prints `held`, or `busy PID` (the owner it found), or `error MESSAGE`; a holder keeps the lock
 * until its stdin closes, then prints `released` and exits.
 */
import { LockHeldError, lockStateDir } from "../../src/state/lock.js";

const dir = process.argv[2] as string;
process.stdout.write("ready\n");
await new Promise((resolve) => process.stdin.once("data", resolve));
try {
  const unlock = await lockStateDir(dir);
  process.stdout.write("held\n");
  process.stdin.on("end", async () => {
    await unlock();
    process.stdout.write("released\n");
    process.exit(0);
  });
  process.stdin.resume();
} catch (e) {
  if (e instanceof LockHeldError) process.stdout.write(`busy ${e.owner.pid}\n`);
  else process.stdout.write(`error ${(e as Error).message}\n`);
  process.exit(0);
}
