import { posix } from "node:path";

/** One line of /proc/PID/mountinfo, the fields we need. */
export interface Mount {
  major: number;
  minor: number;
  /** The directory of the filesystem that is mounted here ("/" unless a bind mount of a subdir). */
  root: string;
  mountPoint: string;
}

/** Pure: /proc/PID/mountinfo text → mounts, in file order (later mounts shadow earlier ones). */
export function parseMountInfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split("\n")) {
    const f = line.split(" ");
    const dev = /^(\d+):(\d+)$/.exec(f[2] ?? "");
    if (!dev || f[3] === undefined || f[4] === undefined) continue;
    mounts.push({
      major: Number(dev[1]),
      minor: Number(dev[2]),
      root: unescapeOctal(f[3]),
      mountPoint: unescapeOctal(f[4]),
    });
  }
  return mounts;
}

/** The kernel's internal dev_t (super_block.s_dev): major in the high 12 bits, minor in the low 20. */
export function splitKernelDev(dev: number): { major: number; minor: number } {
  return { major: Math.floor(dev / 2 ** 20), minor: dev % 2 ** 20 };
}

/**
 * Pure: a walk from a filesystem's root (segments) on device `dev` → the absolute paths where that
 * file is visible, one per mount of that filesystem that contains it. A spool on its own disk
 * walks only up to that disk's root; this puts the mount point back in front.
 */
export function pathsOnMounts(
  dev: number,
  segments: readonly string[],
  mounts: readonly Mount[],
): string[] {
  const { major, minor } = splitKernelDev(dev);
  const inFs = `/${segments.join("/")}`;
  const out: string[] = [];
  for (const m of mounts) {
    if (m.major !== major || m.minor !== minor) continue;
    const root = m.root === "/" ? "" : m.root;
    if (root !== "" && inFs !== root && !inFs.startsWith(`${root}/`)) continue;
    out.push(posix.join(m.mountPoint, inFs.slice(root.length) || "/"));
  }
  return [...new Set(out)];
}

function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}
