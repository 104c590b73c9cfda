import { mkdir, open, rename } from "node:fs/promises";
import { dirname } from "node:path";

/** State is private: it holds article data and webhook targets. Directories 0700, files 0600. */
export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
}

/** Write-then-rename with fsync, so a crash leaves the old file or the new one, never half of one. */
export async function writeAtomic(path: string, data: string): Promise<void> {
  await ensureDir(dirname(path));
  const tmp = `${path}.${process.pid}.tmp`;
  const fh = await open(tmp, "w", FILE_MODE);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}
