/** Property-based tests (fast-check) for the trace side: protocol, assembly, path rebuild. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Assembler } from "../../../src/sources/assemble.js";
import { parseMountInfo, pathsOnMounts } from "../../../src/sources/mounts.js";
import { parseLine, parsePrintf } from "../../../src/sources/protocol.js";
import { locateArticle } from "../../../src/storage/tradspool.js";

/** A file name as the kernel allows it: any bytes but "/" and NUL (here: any code points but those). */
const segment = fc
  .string({ unit: "binary", minLength: 1, maxLength: 40 })
  .filter((s) => !s.includes("/") && !s.includes("\u0000") && s !== "." && s !== "..");

describe("protocol", () => {
  it("never throws, whatever a line holds", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (line) => {
        parseLine(line);
        parsePrintf(line);
      }),
    );
  });

  it("a segment's name survives JSON transport exactly, newlines, spaces and all", () => {
    fc.assert(
      fc.property(segment, fc.nat(2 ** 31), fc.nat(99), (name, tid, index) => {
        const line = JSON.stringify({
          type: "printf",
          data: `S ${tid} 5 ${index} ${Buffer.byteLength(name)} ${name}\n`,
        });
        expect(parseLine(line)).toEqual({
          kind: "segment",
          key: `${tid}:5`,
          index,
          length: Buffer.byteLength(name),
          name,
        });
      }),
    );
  });
});

describe("assembly", () => {
  it("rebuilds every walk exactly, however walks from several CPUs interleave", () => {
    const walk = fc.array(segment, { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(
        fc.array(walk, { minLength: 1, maxLength: 6 }),
        fc.infiniteStream(fc.nat(5)),
        (walks, picks) => {
          // Each walk's lines stay in order (one CPU), but the CPUs' streams are shuffled together.
          // Every printf ends with the program's own "\n"; a name may end with one too.
          const streams = walks.map((segs, w) => [
            ...[...segs].reverse().map((s, i) => `S ${w} 7 ${i} ${Buffer.byteLength(s)} ${s}\n`),
            `E ${w} 7 ${segs.length} 1 2049 1 security_inode_create\n`,
          ]);
          const merged: string[] = [];
          const it = picks[Symbol.iterator]();
          while (streams.some((s) => s.length > 0)) {
            const live = streams.filter((s) => s.length > 0);
            merged.push(live[(it.next().value as number) % live.length]?.shift() as string);
          }
          const a = new Assembler();
          const out = merged.flatMap((l) => a.push(parsePrintf(l)));
          const got = out
            .map((e) => (e.kind === "walk" ? e.segments.join("/") : `!${e.kind}`))
            .sort();
          expect(got).toEqual(walks.map((w) => w.join("/")).sort());
        },
      ),
    );
  });

  it("a walk missing any line is reported broken, never delivered wrong", () => {
    fc.assert(
      fc.property(fc.array(segment, { minLength: 2, maxLength: 10 }), fc.nat(), (segs, drop) => {
        const lines = [...segs]
          .reverse()
          .map((s, i) => `S 1 1 ${i} ${Buffer.byteLength(s)} ${s}\n`);
        lines.splice(drop % lines.length, 1);
        lines.push(`E 1 1 ${segs.length} 1 2049 1 vfs_create\n`);
        const a = new Assembler();
        const out = lines.flatMap((l) => a.push(parsePrintf(l)));
        expect(out.map((e) => e.kind)).toEqual(["broken"]);
      }),
    );
  });
});

describe("path rebuild", () => {
  it("a spool on its own filesystem: the walk from that filesystem's root maps back under its mount point", () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z][a-z0-9+_-]{0,10}$/), { minLength: 1, maxLength: 5 }),
        fc.array(fc.stringMatching(/^[a-z][a-z0-9+_-]{0,10}$/), { minLength: 1, maxLength: 9 }),
        fc.integer({ min: 1, max: 10 ** 9 }),
        (mountDirs, groupDirs, n) => {
          const mountPoint = `/${mountDirs.join("/")}`;
          const mounts = parseMountInfo(
            `1 0 254:0 / / rw - ext4 /dev/vda rw\n2 1 254:16 / ${mountPoint} rw - ext4 /dev/vdb rw\n`,
          );
          const paths = pathsOnMounts(254 * 2 ** 20 + 16, [...groupDirs, String(n)], mounts);
          expect(paths).toEqual([`${mountPoint}/${groupDirs.join("/")}/${n}`]);
          expect(locateArticle(paths[0] as string, mountPoint)).toEqual({
            group: groupDirs.join("."),
            number: n,
          });
        },
      ),
    );
  });

  it("locateArticle never places a path outside the spool inside it", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(segment, fc.constantFrom("..", ".", "")), { maxLength: 8 }),
        (parts) => {
          const loc = locateArticle(
            `/var/spool/news/articles/${parts.join("/")}`,
            "/var/spool/news/articles",
          );
          if (loc) expect(loc.group.split(".").every((d) => d !== "" && d !== "..")).toBe(true);
        },
      ),
    );
  });
});
