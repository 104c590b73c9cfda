/**
 * A small tmpfs of our own, to meet ENOSPC for real. Needs root (fails loudly without it). Unmounted
 * (after findmnt says it is one) before its mount point is removed: never rm -rf across a mount.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmdirSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Tmpfs {
  dir: string;
  /** Writes a file that takes all the space left; returns its path. */
  fill(): string;
  unmount(): void;
}

export function mountTmpfs(size = "256k"): Tmpfs {
  if (process.getuid?.() !== 0) {
    throw new Error(
      "this test mounts a tmpfs to meet a full disk: run it as root (sudo scripts/test.sh)",
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "newsnotify-tmpfs-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size},mode=0700`, "tmpfs", dir]);
  return {
    dir,
    fill() {
      const filler = join(dir, "filler");
      // One 4 KB write at a time until the filesystem refuses: the next write of anything fails.
      const chunk = Buffer.alloc(4096, 0x45);
      const fd = openSync(filler, "a");
      try {
        for (;;) writeSync(fd, chunk);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOSPC") throw e;
      } finally {
        closeSync(fd);
      }
      return filler;
    },
    unmount() {
      // Lazily if busy (a failed test may hold a file open there): detached now, freed at its close.
      if (spawnSync("findmnt", ["-n", dir]).status === 0) execFileSync("umount", ["-l", dir]);
      if (spawnSync("findmnt", ["-n", dir]).status === 0) throw new Error(`${dir} still mounted`);
      rmdirSync(dir);
    },
  };
}
