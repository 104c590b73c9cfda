import { describe, expect, it } from "vitest";
import { bpftracePrivilege } from "../../../src/sources/privilege.js";

describe("bpftracePrivilege: the one check doctor and watch share", () => {
  it.each<[string, string[], number | undefined, string | null]>([
    ["sudo, not root", ["sudo", "-n", "/usr/libexec/newsnotify/bpftrace"], 1000, "sudo"],
    ["doas, not root", ["doas", "/usr/libexec/newsnotify/bpftrace"], 1000, "doas"],
    ["root, plain bpftrace", ["bpftrace"], 0, "root"],
    ["root through sudo: sudo runs it", ["sudo", "-n", "bpftrace"], 0, "sudo"],
    ["neither", ["bpftrace"], 1000, null],
    [
      "neither: sudo elsewhere in the command does not count",
      ["env", "sudo", "bpftrace"],
      1000,
      null,
    ],
    ["no uid (not POSIX)", ["bpftrace"], undefined, null],
  ])("%s", (_, command, uid, want) => {
    expect(bpftracePrivilege(command, uid)).toBe(want);
  });
});
