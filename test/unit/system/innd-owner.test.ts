import { describe, expect, it } from "vitest";
import { type InndSeen, judgeInnd, realUid } from "../../../src/system/innd-process.js";

const want = { comm: "innd", uid: 9, pathbin: "/usr/lib/news/bin" };
const good: InndSeen = {
  pidText: "4242\n",
  comm: "innd",
  uid: 9,
  exe: "/usr/lib/news/bin/innd",
  expectedExe: "/usr/lib/news/bin/innd",
};

describe("judgeInnd: the process innd.pid names must be INN's innd", () => {
  it.each<[string, Partial<InndSeen>, RegExp | null]>([
    ["INN's innd, run by news from pathbin", {}, null],
    ["no pid file", { pidText: null }, /innd\.pid cannot be read/],
    ["garbage in the pid file", { pidText: "12ab" }, /holds no pid/],
    ["pid 0", { pidText: "0" }, /holds no pid/],
    ["the pid is gone", { comm: null }, /is not running/],
    ["another program took the pid", { comm: "sshd" }, /is "sshd", not innd/],
    [
      "a process named innd run by nobody",
      { uid: 65534 },
      /runs as uid 65534, not INN's user \(uid 9\)/,
    ],
    [
      "INN's user running a copy of innd elsewhere",
      { exe: "/tmp/innd" },
      /runs \/tmp\/innd, not INN's \/usr\/lib\/news\/bin\/innd/,
    ],
    ["pathbin/innd missing", { expectedExe: null }, /not INN's/],
  ])("%s", (_name, change, problem) => {
    const r = judgeInnd("/run/news/innd.pid", want, { ...good, ...change });
    if (problem === null) expect(r).toEqual({ ok: true, pid: 4242 });
    else expect(r).toEqual({ ok: false, reason: expect.stringMatching(problem) });
  });

  it("reads the real uid from /proc/PID/status", () => {
    expect(realUid("Name:\tinnd\nUid:\t9\t0\t0\t9\nGid:\t9\t9\t9\t9\n")).toBe(9);
    expect(realUid("Name:\tx\n")).toBeNull();
  });
});
