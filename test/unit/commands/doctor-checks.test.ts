import { describe, expect, it } from "vitest";
import {
  activeLine,
  allProblems,
  bpftraceLine,
  type DoctorLine,
  inndLine,
  innPathsLine,
  type NntpProbe,
  nntpLine,
  renderDoctor,
  rootLine,
  spoolLine,
  tracefsLine,
} from "../../../src/commands/doctor-checks.js";

const fixOf = (l: DoctorLine) => l.fix ?? null;

describe("doctor's lines: a missing piece says what to do; what stops watch blocks", () => {
  it.each<[string, DoctorLine, string, RegExp | null, boolean]>([
    ["bpftrace found", bpftraceLine([0, 17, 0], ["bpftrace"]), "bpftrace v0.17.0", null, false],
    [
      "bpftrace absent",
      bpftraceLine(null, ["/opt/bpftrace"]),
      "NOT FOUND (/opt/bpftrace --version did not run)",
      /apt-get install bpftrace/,
      true,
    ],
    ["tracefs mounted", tracefsLine(true, true), "mounted", null, false],
    [
      "tracefs unmounted, root",
      tracefsLine(false, true),
      "not mounted",
      /none needed: watch mounts it/,
      false,
    ],
    [
      "tracefs unmounted, not root",
      tracefsLine(false, false),
      "not mounted, and watch cannot mount it (not root)",
      /^as root: mount -t tracefs tracefs \/sys\/kernel\/tracing$/,
      true,
    ],
    ["root", rootLine(true, null), "yes", null, false],
    [
      "not root, bpftrace through sudo",
      rootLine(false, "sudo"),
      "no (bpftrace runs through sudo)",
      null,
      false,
    ],
    ["not root", rootLine(false, null), "no", /run as root .*sudo or doas/, true],
    [
      "INN's paths from innconfval",
      innPathsLine("/usr/lib/news/bin/innconfval"),
      "/usr/lib/news/bin/innconfval",
      null,
      false,
    ],
    [
      "INN absent",
      innPathsLine("built-in defaults (innconfval not found)"),
      "built-in defaults (innconfval not found)",
      /apt-get install inn2/,
      false,
    ],
    ["spool readable", spoolLine("/s", "/s", null), "/s", null, false],
    [
      "spool through a symlink",
      spoolLine("/s", "/real", null),
      "/s (real path /real)",
      null,
      false,
    ],
    [
      "spool unreadable",
      spoolLine("/s", "/s", "ENOENT"),
      "/s (NOT READABLE)",
      /apt-get install inn2/,
      true,
    ],
    ["active file unreadable", activeLine("/a", false), "/a (NOT READABLE)", /activeFile:/, false],
    ["innd running", inndLine([12, 13], ""), "running (pid 12, 13)", null, false],
    [
      "innd not running",
      inndLine([], "no process named innd"),
      "not running (no process named innd)",
      /start INN/,
      false,
    ],
  ])("%s", (_what, got, value, fix, blocks) => {
    expect(got.value).toBe(value);
    if (fix === null) expect(fixOf(got)).toBeNull();
    else expect(fixOf(got)).toMatch(fix);
    expect(got.blocks ?? false).toBe(blocks);
  });
});

describe("renderDoctor", () => {
  const lines: DoctorLine[] = [
    { key: "kernel", value: "6.1" },
    bpftraceLine(null, ["bpftrace"]),
    tracefsLine(false, true),
  ];
  it("aligns, marks the missing pieces, then one PROBLEM line per block and per other problem", () => {
    expect(renderDoctor(lines, ["storage.conf: cannot read"])).toBe(
      [
        "kernel    6.1",
        "bpftrace  NOT FOUND (bpftrace --version did not run)  -> to do: apt-get install bpftrace (or set bpftrace: to the command that runs it)",
        "tracefs   not mounted  -> to do: none needed: watch mounts it (root); by hand: mount -t tracefs tracefs /sys/kernel/tracing",
        "PROBLEM: bpftrace: NOT FOUND (bpftrace --version did not run): apt-get install bpftrace (or set bpftrace: to the command that runs it)",
        "PROBLEM: storage.conf: cannot read",
        "",
      ].join("\n"),
    );
    expect(allProblems(lines, [])).toHaveLength(1);
    expect(allProblems([{ key: "kernel", value: "6.1" }], [])).toEqual([]);
  });
});

describe("nntpLine: catch-up's connection, blocking only when a method in use needs it", () => {
  const where = "127.0.0.1:119";
  it.each<[string, NntpProbe, string[], RegExp, RegExp | null, boolean]>([
    [
      "connected, no auth",
      { ok: true, where, user: null },
      [],
      /connected, no authentication asked \(not needed: tradspool only\)$/,
      null,
      false,
    ],
    [
      "authenticated",
      { ok: true, where, user: "r" },
      ["timehash"],
      /connected, authenticated as r \(needed for timehash\)$/,
      null,
      false,
    ],
    [
      "480, needed",
      { ok: false, where, error: "wants auth", code: 480 },
      ["cnfs"],
      /wants auth \(needed for cnfs\)/,
      /set catchUp.nntp user and password, or add server:user:password to INN's passwd.nntp/,
      true,
    ],
    [
      "481, not needed",
      { ok: false, where, error: "refused", code: 481 },
      [],
      /refused/,
      /fix the credentials/,
      false,
    ],
    [
      "passwd.nntp not readable (not root)",
      { ok: false, where, error: "INN's passwd.nntp cannot be read: EACCES", code: null },
      ["timehash"],
      /EACCES/,
      /run doctor as root/,
      true,
    ],
    [
      "refused connection",
      { ok: false, where, error: "connect ECONNREFUSED", code: null },
      ["timecaf"],
      /ECONNREFUSED/,
      /is innd running\?/,
      true,
    ],
  ])("%s", (_what, probe, needs, value, fix, blocks) => {
    const l = nntpLine(probe, needs);
    expect(l.key).toBe("catch-up NNTP");
    expect(l.value).toMatch(value);
    expect(l.value.startsWith(`${where}: `)).toBe(true);
    if (fix) expect(l.fix).toMatch(fix);
    else expect(l.fix).toBeUndefined();
    expect(l.blocks ?? false).toBe(blocks);
  });
});
