import { describe, expect, it } from "vitest";
import { storageMethods } from "../../../src/inn/innconf.js";
import { chooseMode, type KernelFacts } from "../../../src/system/mode.js";

const debian: KernelFacts = {
  release: "6.1.0-27-amd64",
  kprobes: true,
  lockdown: "none",
  btf: true,
  traceable: { security_inode_create: true, vfs_create: true },
};

describe("chooseMode", () => {
  it.each<[string, "auto" | "kprobe" | "tracepoint", Partial<KernelFacts>, string, RegExp]>([
    ["stock Debian kernel", "auto", {}, "kprobe", /kprobes available/],
    [
      "this CI machine: no kprobes",
      "auto",
      { kprobes: false, lockdown: "confidentiality" },
      "tracepoint",
      /no kprobes/,
    ],
    [
      "lockdown confidentiality",
      "auto",
      { lockdown: "confidentiality" },
      "tracepoint",
      /confidentiality/,
    ],
    [
      "lockdown integrity still allows reading",
      "auto",
      { lockdown: "integrity" },
      "kprobe",
      /integrity/,
    ],
    [
      "lockdown unknown: try kprobe (watch falls back)",
      "auto",
      { lockdown: "unknown" },
      "kprobe",
      /unknown/,
    ],
    ["no BTF", "auto", { btf: false }, "tracepoint", /BTF/],
    [
      "nothing traceable",
      "auto",
      { traceable: { security_inode_create: false, vfs_create: false } },
      "tracepoint",
      /traceable/,
    ],
    ["forced tracepoint", "tracepoint", {}, "tracepoint", /config/],
    ["forced kprobe, even without kprobes", "kprobe", { kprobes: false }, "kprobe", /config/],
  ])("%s", (_name, setting, facts, mode, reason) => {
    const got = chooseMode(setting, { ...debian, ...facts });
    expect(got.mode).toBe(mode);
    expect(got.reason).toMatch(reason);
  });
});

describe("storageMethods", () => {
  it.each([
    ["method tradspool {\n    newsgroups: *\n    class: 0\n}\n", ["tradspool"]],
    [
      "# method cnfs {\nmethod timehash {\n newsgroups: *\n}\nmethod cnfs {\n newsgroups: alt.*\n}",
      ["timehash", "cnfs"],
    ],
    ["", []],
  ])("%j", (text, want) => {
    expect(storageMethods(text)).toEqual(want);
  });
});
