import { describe, expect, it } from "vitest";
import { strlenEnv } from "../../../src/sources/bpftrace.js";

describe("strlenEnv: str() size the way each bpftrace wants it", () => {
  it.each([
    ["bpftrace v0.17.0", "BPFTRACE_STRLEN"],
    ["bpftrace v0.19.1", "BPFTRACE_STRLEN"],
    ["bpftrace v0.20.0", "BPFTRACE_MAX_STRLEN"],
    ["bpftrace v0.23.2", "BPFTRACE_MAX_STRLEN"],
    ["bpftrace v1.0.0", "BPFTRACE_MAX_STRLEN"],
    ["", "BPFTRACE_STRLEN"],
    [null, "BPFTRACE_STRLEN"],
  ])("%s → %s", (version, name) => {
    expect(strlenEnv(version)).toEqual({ [name]: "200" });
  });
});
