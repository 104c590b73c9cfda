import { describe, expect, it } from "vitest";
import { chooseUprobe, probePathProblem } from "../../../src/sources/uprobe-check.js";
import type { InndBinaryFacts } from "../../../src/system/host.js";

const DEBIAN: InndBinaryFacts = {
  path: "/usr/lib/news/bin/innd",
  hisWrite: true,
  storageLib: "/usr/lib/news/libinnstorage.so.3.1.1",
  smStore: true,
};

describe("chooseUprobe", () => {
  it("InndHisWrite when innd exports it (Debian 12 and 13)", () => {
    expect(chooseUprobe(DEBIAN, "x64")).toEqual({
      ok: true,
      section: "uprobe",
      values: { __INND__: "/usr/lib/news/bin/innd" },
      detail: "uprobe on /usr/lib/news/bin/innd:InndHisWrite",
    });
    expect(chooseUprobe(DEBIAN, "arm64")).toMatchObject({ ok: true, section: "uprobe" });
  });

  it("SMstore's return in libinnstorage for a custom innd without it, on x86-64 only", () => {
    const custom = { ...DEBIAN, hisWrite: false };
    expect(chooseUprobe(custom, "x64")).toMatchObject({
      ok: true,
      section: "smstore",
      values: { __LIBSTORAGE__: "/usr/lib/news/libinnstorage.so.3.1.1" },
    });
    expect(chooseUprobe(custom, "arm64")).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/needs x86-64 \(this is arm64\)/),
    });
  });

  it("neither: the reason innd-binary gave, or one of its own", () => {
    expect(
      chooseUprobe(
        { path: "/opt/innd", hisWrite: false, storageLib: null, smStore: false, problem: "static" },
        "x64",
      ),
    ).toEqual({ ok: false, reason: "static" });
    expect(
      chooseUprobe({ path: "/opt/innd", hisWrite: false, storageLib: null, smStore: false }, "x64"),
    ).toMatchObject({ ok: false, reason: expect.stringMatching(/exports no InndHisWrite/) });
    expect(chooseUprobe({ ...DEBIAN, path: null }, "x64")).toMatchObject({ ok: false });
  });

  it("never puts an unsafe path into the program", () => {
    expect(chooseUprobe({ ...DEBIAN, path: '/x/innd"/ { system("id") }' }, "x64")).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^innd's path: /),
    });
  });
});

describe("probePathProblem", () => {
  it.each([
    ["/usr/lib/news/bin/innd", null],
    ["/usr/lib/x86_64-linux-gnu/libinnstorage.so.3", null],
    ["/opt/inn-2.7+git@x/bin/innd", null],
    ["usr/lib/news/bin/innd", /not an absolute path/],
    ["/usr/lib/news/bin/innd:SMstore", /character other than/],
    ["/usr/lib/news bin/innd", /character other than/],
    ["/usr/lib/news/*/innd", /character other than/],
    ["/usr/lib/news/bin/innd\n", /character other than/],
    ['/usr/"lib/innd', /character other than/],
    ["/usr/lib/../bin/innd", /not normalised/],
    [`/${"a".repeat(1100)}`, /over 1024/],
  ])("%j", (path, want) => {
    const p = probePathProblem(path);
    if (want === null) expect(p).toBeNull();
    else expect(p).toMatch(want);
  });
});
