import { readdir, readFile } from "node:fs/promises";

/** PIDs of processes whose kernel comm is `name`. */
export async function pidsNamed(name: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if ((await readFile(`/proc/${entry}/comm`, "utf8")).trim() === name) pids.push(Number(entry));
    } catch {
      // Exited meanwhile.
    }
  }
  return pids;
}
