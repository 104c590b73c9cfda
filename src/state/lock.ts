import { open, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "../util/errors.js";
import { FILE_MODE } from "./files.js";

/**
 * One watcher per state directory: two would both replay the outbox and send twice. A lock file
 * holds the owner's pid; a stale one (its process gone, e.g. after SIGKILL) is taken over.
 */
export async function lockStateDir(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, "watch.pid");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, "wx", FILE_MODE);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      return () => unlink(path).catch(() => {});
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number((await readFile(path, "utf8").catch(() => "")).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new UserError(
          `another newsnotify watch (pid ${pid}) uses the state directory ${dir}; stop it, or give this one its own stateDir`,
        );
      }
      await unlink(path).catch(() => {});
    }
  }
  throw new UserError(`cannot lock the state directory ${dir} (${path})`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
