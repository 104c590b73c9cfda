import { describe, expect, it } from "vitest";
import { chooseSource, SOURCES } from "../../../src/sources/registry.js";
import type { Source } from "../../../src/sources/source.js";
import { STORAGE_METHODS } from "../../../src/storage/registry.js";
import type { HostFacts } from "../../../src/system/host.js";
import type { KernelFacts } from "../../../src/system/kernel.js";

const debian: KernelFacts = {
  release: "6.1.0-27-amd64",
  kprobes: true,
  lockdown: "none",
  btf: true,
  traceable: { security_inode_create: true, vfs_create: true },
};

const host = (kernel: KernelFacts, more: Partial<HostFacts> = {}): HostFacts => ({
  kernel,
  bpftrace: [0, 17, 0],
  tracefs: true,
  syscalls: { open: true, creat: true },
  ...more,
});

describe("chooseSource", () => {
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
    const got = chooseSource(setting, host({ ...debian, ...facts }));
    expect(got.source.name).toBe(mode);
    expect(got.reason).toMatch(reason);
  });
});

describe("the source registry", () => {
  it("auto with neither kprobes nor tracefs: says why each source cannot run", () => {
    const got = chooseSource("auto", host({ ...debian, kprobes: false }, { tracefs: false }));
    expect(got.source.name).toBe("tracepoint");
    expect(got.reason).toMatch(/no kprobes.*tracefs.*trying tracepoint anyway/);
  });

  it("each source has a unique name and a check that gives a reason", () => {
    const names = SOURCES.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const s of SOURCES) expect(s.check(host(debian)).reason).not.toBe("");
  });

  it("what a source sees is typed by INN's storage method names: a typo does not compile", () => {
    // @ts-expect-error "tradspoool" is not a storage method (checked by npm run typecheck)
    const sees: Source["sees"] = ["tradspoool"];
    expect(sees).toEqual(["tradspoool"]);
  });

  it("every storage method a source sees is one newsnotify reads", () => {
    const readable = Object.keys(STORAGE_METHODS);
    for (const s of SOURCES) for (const m of s.sees) expect(readable).toContain(m);
  });

  it("every fallback names a registered source", () => {
    for (const s of SOURCES)
      if (s.fallback) expect(SOURCES.map((x) => x.name)).toContain(s.fallback);
  });
});
