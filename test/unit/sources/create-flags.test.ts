import { describe, expect, it } from "vitest";
import { Assembler, provesCreate } from "../../../src/sources/assemble.js";
import { parsePrintf } from "../../../src/sources/protocol.js";

// open(2) flags as x86-64 and arm64 define them.
const O = { RDONLY: 0, WRONLY: 1, RDWR: 2, CREAT: 0o100, EXCL: 0o200, TRUNC: 0o1000 };

describe("an open proves a create only with a write mode and O_CREAT|O_EXCL", () => {
  it.each([
    ["innd filing an article: O_WRONLY|O_CREAT|O_EXCL", O.WRONLY | O.CREAT | O.EXCL, true],
    ["O_RDWR|O_CREAT|O_EXCL", O.RDWR | O.CREAT | O.EXCL, true],
    ["the issue's replay: O_RDONLY|O_CREAT of an old article", O.RDONLY | O.CREAT, false],
    ["O_RDONLY|O_CREAT|O_EXCL (no write: not how an article is filed)", O.CREAT | O.EXCL, false],
    ["O_WRONLY|O_CREAT: may open an existing file", O.WRONLY | O.CREAT, false],
    ["creat(): O_WRONLY|O_CREAT|O_TRUNC", O.WRONLY | O.CREAT | O.TRUNC, false],
    ["O_WRONLY|O_EXCL without O_CREAT", O.WRONLY | O.EXCL, false],
  ])("%s", (_name, flags, want) => {
    expect(provesCreate(flags)).toBe(want);
  });

  it("the reader drops an open line that creates nothing, keeps innd's", () => {
    const a = new Assembler();
    const line = (flags: number) => parsePrintf(`O 7 7 1 -100 ${flags} 3 /spool/local/test/1`);
    expect(a.push(line(O.RDONLY | O.CREAT))).toEqual([]);
    expect(a.push(line(O.WRONLY | O.CREAT | O.EXCL))).toEqual([
      { kind: "open", pid: 7, tid: 7, dirfd: -100, path: "/spool/local/test/1" },
    ]);
  });
});
