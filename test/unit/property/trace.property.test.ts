/** Property-based tests (fast-check) for the trace side: protocol, assembly, path rebuild. */
import { posix } from "node:path";
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

/** Numbers as the program prints them, and some it never would. */
const num = fc.oneof(
  fc.nat(2 ** 31).map(String),
  fc.constantFrom("-100", "0", "1", "18446744073709551615", "", "x", "1.5"),
);
/** Lines shaped like the program's printfs (S, E, O, H), often well-formed, sometimes cut or bent. */
const printfLike = fc
  .tuple(
    fc.constantFrom("S", "E", "O", "H", "Q"),
    fc.array(num, { minLength: 1, maxLength: 7 }),
    fc.oneof(segment, fc.constantFrom("security_inode_create", "vfs_create", "")),
    fc.boolean(),
  )
  .map(([tag, nums, tail, newline]) => `${[tag, ...nums, tail].join(" ")}${newline ? "\n" : ""}`);
const wellFormed = fc.oneof(
  fc
    .tuple(fc.nat(), fc.nat(), fc.nat(99), segment)
    .map(([t, s, i, n]) => `S ${t} ${s} ${i} ${Buffer.byteLength(n)} ${n}\n`),
  fc
    .tuple(fc.nat(), fc.nat(), fc.nat(99), fc.nat(1), fc.nat(), fc.nat())
    .map(([t, s, n, r, d, p]) => `E ${t} ${s} ${n} ${r} ${d} ${p} security_inode_create\n`),
  fc
    .tuple(fc.nat(), fc.nat(), fc.nat(), fc.integer({ min: -100, max: 99 }), fc.nat(), segment)
    .map(([p, t, ns, fd, fl, path]) => `O ${p} ${t} ${ns} ${fd} ${fl} 3 /${path}\n`),
  fc.nat().map((n) => `H ${n}\n`),
);
/** A stdout line: JSON of bpftrace's types around any of the above, or anything at all. */
const stdoutLine = fc.oneof(
  fc.string({ unit: "binary" }),
  fc.oneof(printfLike, wellFormed).map((data) => JSON.stringify({ type: "printf", data })),
  fc.nat().map((n) => JSON.stringify({ type: "lost_events", data: { events: n } })),
  fc.nat().map((n) => JSON.stringify({ type: "attached_probes", data: { probes: n } })),
);

describe("protocol", () => {
  it("never throws, whatever a line holds; and the generator reaches every kind of record", () => {
    const kinds = new Set<string>();
    fc.assert(
      fc.property(stdoutLine, fc.oneof(printfLike, wellFormed, fc.string()), (line, data) => {
        const r = parseLine(line);
        if (r) kinds.add(r.kind);
        kinds.add(parsePrintf(data).kind);
      }),
      { numRuns: 2000 },
    );
    expect([...kinds].sort()).toEqual(
      ["attached", "end", "heartbeat", "lost", "message", "open", "segment"].sort(),
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

  it("locateArticle places a path in the spool exactly when it is an article file inside it", () => {
    const spool = "/var/spool/news/articles";
    // Mostly group-like names, with the odd "..", ".", "" and arbitrary bytes; mostly a number last.
    const part = fc.oneof(
      { weight: 8, arbitrary: fc.stringMatching(/^[a-z][a-z0-9+_-]{0,8}$/) },
      { weight: 2, arbitrary: fc.constantFrom("..", ".", "", "articles", "spool") },
      { weight: 1, arbitrary: segment },
    );
    const leaf = fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 1, max: 10 ** 9 }).map(String) },
      { weight: 1, arbitrary: fc.constantFrom("0", "007", "x1", "") },
    );
    let inside = 0;
    let placed = 0;
    fc.assert(
      fc.property(fc.array(part, { maxLength: 6 }), leaf, (parts, last) => {
        const path = `${spool}/${[...parts, last].join("/")}`;
        const loc = locateArticle(path, spool);
        // The oracle: normalise, then it must lie under the spool as group dirs + a number.
        const rel = posix.normalize(path).startsWith(`${spool}/`)
          ? posix
              .normalize(path)
              .slice(spool.length + 1)
              .split("/")
          : null;
        const n = rel?.at(-1) ?? "";
        const dirs = rel?.slice(0, -1) ?? [];
        const article =
          rel !== null &&
          /^[0-9]{1,19}$/.test(n) &&
          Number.isSafeInteger(Number(n)) &&
          Number(n) >= 1 &&
          dirs.length > 0 &&
          dirs.every((d) => d !== "" && !d.includes("."));
        if (article) inside++;
        if (loc) {
          placed++;
          // Leading zeros name the same number ("007" is article 7).
          expect(`${spool}/${loc.group.replaceAll(".", "/")}/${loc.number}`).toBe(
            `${spool}/${dirs.join("/")}/${Number(n)}`,
          );
          expect(loc.group.split(".").every((d) => d !== "" && d !== "..")).toBe(true);
        }
        expect(loc !== null).toBe(article);
      }),
      { numRuns: 3000 },
    );
    // The assertions above ran on real hits: most generated paths are articles in the spool.
    expect(placed).toBe(inside);
    expect(placed).toBeGreaterThan(1000);
  });
});
