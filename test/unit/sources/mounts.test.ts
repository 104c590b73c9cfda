import { describe, expect, it } from "vitest";
import { parseMountInfo, pathsOnMounts } from "../../../src/sources/mounts.js";
import { candidatePaths, type ResolveIO } from "../../../src/sources/resolve.js";

// Real /proc/self/mountinfo lines (Debian 12), plus a spool on its own disk and a bind mount.
const MOUNTINFO = [
  "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw",
  "23 22 0:5 / /dev rw,nosuid shared:2 - devtmpfs udev rw,size=4008k",
  "40 22 254:16 / /var/spool/news/articles rw,relatime shared:20 - ext4 /dev/vdb rw",
  "41 22 254:16 /local /srv/local\\040copy rw,relatime shared:20 - ext4 /dev/vdb rw",
  "",
].join("\n");

const dev = (major: number, minor: number) => major * 2 ** 20 + minor;

describe("pathsOnMounts", () => {
  const mounts = parseMountInfo(MOUNTINFO);
  it("parses mountinfo, octal escapes included", () => {
    expect(mounts).toHaveLength(4);
    expect(mounts[3]).toEqual({
      major: 254,
      minor: 16,
      root: "/local",
      mountPoint: "/srv/local copy",
    });
  });
  it.each([
    [
      "root filesystem",
      dev(254, 0),
      ["var", "spool", "news", "articles", "local", "test", "1"],
      ["/var/spool/news/articles/local/test/1"],
    ],
    [
      "spool on its own disk, walk stopped at that disk's root",
      dev(254, 16),
      ["local", "test", "1"],
      ["/var/spool/news/articles/local/test/1", "/srv/local copy/test/1"],
    ],
    [
      "bind mount of a subdirectory that does not hold the file",
      dev(254, 16),
      ["comp", "x", "2"],
      ["/var/spool/news/articles/comp/x/2"],
    ],
    ["unknown device", dev(8, 1), ["a"], []],
  ])("%s", (_name, d, segments, want) => {
    expect(pathsOnMounts(d, segments, mounts)).toEqual(want);
  });
});

describe("candidatePaths", () => {
  const io: ResolveIO = {
    readlink: async (p) => {
      if (p === "/proc/10/cwd") return "/var/spool/news/articles";
      if (p === "/proc/10/fd/7") return "/var/spool/news/articles/local";
      throw new Error("ENOENT");
    },
    readFile: async (p) => {
      if (p === "/proc/10/mountinfo") return MOUNTINFO;
      throw new Error("ENOENT");
    },
  };
  it.each([
    [
      "absolute open",
      {
        kind: "open",
        pid: 10,
        tid: 10,
        dirfd: -100,
        path: "/var/spool/news/articles//local/./test/3",
      },
      ["/var/spool/news/articles/local/test/3"],
    ],
    [
      "relative to cwd",
      { kind: "open", pid: 10, tid: 10, dirfd: -100, path: "local/test/4" },
      ["/var/spool/news/articles/local/test/4"],
    ],
    [
      "relative to a dirfd",
      { kind: "open", pid: 10, tid: 10, dirfd: 7, path: "test/5" },
      ["/var/spool/news/articles/local/test/5"],
    ],
    [
      "a walk",
      { kind: "walk", pid: 10, probe: "vfs_create", dev: dev(254, 0), segments: ["tmp", "x"] },
      ["/tmp/x"],
    ],
  ] as [string, Parameters<typeof candidatePaths>[0], string[]][])(
    "%s",
    async (_name, ev, want) => {
      expect((await candidatePaths(ev, io)).paths).toEqual(want);
    },
  );
  it("says why a relative path cannot be resolved after innd exited", async () => {
    const r = await candidatePaths(
      { kind: "open", pid: 99, tid: 99, dirfd: -100, path: "x/1" },
      io,
    );
    expect(r.paths).toEqual([]);
    expect(r.reason).toContain("/proc/99/cwd");
  });
});
