import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkConfigFile, type Invoker } from "../../../src/config/file-trust.js";
import { loadConfig } from "../../../src/config/schema.js";
import { ConfigError } from "../../../src/util/errors.js";
import { requireRoot } from "../../helpers/root.js";

type Node = { uid: number; mode: number };
const tree = (file: Node, etc: Node = { uid: 0, mode: 0o40755 }) => {
  const nodes: Record<string, Node> = {
    "/": { uid: 0, mode: 0o40755 },
    "/etc": etc,
    "/etc/newsnotify.yaml": file,
  };
  return {
    stat: async (p: string) => nodes[p] as Node,
    realpath: async (p: string) => p,
  };
};
const root: Invoker = { euid: 0, sudoUid: null };
const sudoBy1000: Invoker = { euid: 0, sudoUid: 1000 };

describe("the config file's StrictModes check (run as root)", () => {
  it.each<[string, Node, Node | undefined, Invoker, RegExp | null]>([
    ["root's, 0600", { uid: 0, mode: 0o100600 }, undefined, root, null],
    ["root's, 0644", { uid: 0, mode: 0o100644 }, undefined, root, null],
    ["the sudo user's own, 0644", { uid: 1000, mode: 0o100644 }, undefined, sudoBy1000, null],
    [
      "another user's",
      { uid: 1000, mode: 0o100644 },
      undefined,
      root,
      /belongs to uid 1000, not root/,
    ],
    [
      "a third user's under sudo",
      { uid: 1001, mode: 0o100644 },
      undefined,
      sudoBy1000,
      /belongs to uid 1001, not root or uid 1000/,
    ],
    [
      "group-writable",
      { uid: 0, mode: 0o100664 },
      undefined,
      root,
      /writable by its group \(mode 0664\)/,
    ],
    ["world-writable", { uid: 0, mode: 0o100666 }, undefined, root, /writable by others/],
    [
      "in a directory news owns",
      { uid: 0, mode: 0o100644 },
      { uid: 9, mode: 0o40755 },
      root,
      /its directory \/etc belongs to uid 9/,
    ],
    [
      "in a sticky world-writable directory (as /tmp)",
      { uid: 0, mode: 0o100644 },
      { uid: 0, mode: 0o41777 },
      root,
      null,
    ],
    [
      "in a world-writable directory without the sticky bit",
      { uid: 0, mode: 0o100644 },
      { uid: 0, mode: 0o40777 },
      root,
      /its directory \/etc is writable by others/,
    ],
  ])("%s", async (_name, file, etc, who, problem) => {
    const check = checkConfigFile("/etc/newsnotify.yaml", who, tree(file, etc));
    if (problem === null) await expect(check).resolves.toBeUndefined();
    else {
      const e = (await check.catch((x: unknown) => x)) as ConfigError;
      expect(e).toBeInstanceOf(ConfigError);
      expect(e.exitCode).toBe(2);
      expect(e.message).toMatch(problem);
      expect(e.message).toMatch(
        /^\/etc\/newsnotify\.yaml: refusing .*chown root \/etc\/newsnotify\.yaml; chmod go-w/,
      );
    }
  });

  it("not root: no check (the file is the user's business)", async () => {
    const who = { euid: 1000, sudoUid: null };
    await expect(
      checkConfigFile("/etc/newsnotify.yaml", who, tree({ uid: 1001, mode: 0o100666 })),
    ).resolves.toBeUndefined();
  });

  it("loadConfig refuses a group-writable file before using it", async () => {
    requireRoot("root is whom the mode check protects");
    const file = join(mkdtempSync(join(tmpdir(), "newsnotify-cfgmode-")), "config.yaml");
    writeFileSync(file, "notifiers:\n  - type: exec\n    command: [/bin/true]\n");
    chmodSync(file, 0o664);
    await expect(loadConfig(file, { spool: "/", activeFile: "/a" })).rejects.toThrow(
      /writable by its group/,
    );
    chmodSync(file, 0o644);
    await expect(loadConfig(file, { spool: "/", activeFile: "/a" })).resolves.toBeTruthy();
  });
});
