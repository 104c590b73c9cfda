import { describe, expect, it } from "vitest";
import { spawnIdentity, untrustedBecause } from "../../../src/util/trusted-program.js";

type Node = { uid: number; mode: number };
/** A file tree as stat sees it; `links` maps a path to its real path. */
function io(tree: Record<string, Node>, links: Record<string, string> = {}, euid = 0) {
  return {
    euid,
    stat: async (p: string) => {
      const n = tree[p];
      if (!n) throw Object.assign(new Error(`ENOENT ${p}`), { code: "ENOENT" });
      return n;
    },
    realpath: async (p: string) => {
      if (!tree[links[p] ?? p]) throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
      return links[p] ?? p;
    },
  };
}

const root = (mode: number): Node => ({ uid: 0, mode });
const news = (mode: number): Node => ({ uid: 9, mode });
const base = { "/": root(0o40755), "/usr": root(0o40755), "/usr/local": root(0o40755) };

describe("untrustedBecause: INN's program and every directory above it must be root's alone", () => {
  it.each<[string, Record<string, Node>, RegExp | null]>([
    [
      "Debian: /usr/lib/news/bin/sm, all root 0755",
      {
        ...base,
        "/usr/lib": root(0o40755),
        "/usr/lib/news": root(0o40755),
        "/usr/lib/news/bin": root(0o40755),
        "/usr/lib/news/bin/sm": root(0o100755),
      },
      null,
    ],
    [
      "source install: the program owned by news",
      {
        ...base,
        "/usr/local/news": root(0o40755),
        "/usr/local/news/bin": root(0o40755),
        "/usr/local/news/bin/sm": news(0o100755),
      },
      /^it belongs to uid 9, not root$/,
    ],
    [
      "source install: bin/ owned by news (it can swap the file)",
      {
        ...base,
        "/usr/local/news": news(0o40755),
        "/usr/local/news/bin": news(0o40755),
        "/usr/local/news/bin/sm": root(0o100755),
      },
      /its directory \/usr\/local\/news\/bin belongs to uid 9/,
    ],
    [
      "the program group-writable",
      {
        ...base,
        "/usr/local/news": root(0o40755),
        "/usr/local/news/bin": root(0o40755),
        "/usr/local/news/bin/sm": root(0o100775),
      },
      /it is writable by its group \(mode 0775\)/,
    ],
    [
      "a directory writable by others, even sticky",
      {
        ...base,
        "/usr/local/news": root(0o41777),
        "/usr/local/news/bin": root(0o40755),
        "/usr/local/news/bin/sm": root(0o100755),
      },
      /its directory \/usr\/local\/news is writable by others/,
    ],
  ])("%s", async (_name, tree, problem) => {
    const file = Object.keys(tree).at(-1) as string;
    const why = await untrustedBecause(file, io(tree));
    if (problem === null) expect(why).toBeNull();
    else expect(why).toMatch(problem);
  });

  it("a symlink: its target's directories count, and the link's own", async () => {
    const tree = {
      ...base,
      "/usr/local/bin": root(0o40755),
      "/opt": root(0o40755),
      "/opt/inn": news(0o40755),
      "/opt/inn/sm": root(0o100755),
    };
    const why = await untrustedBecause(
      "/usr/local/bin/sm",
      io(tree, { "/usr/local/bin/sm": "/opt/inn/sm" }),
    );
    expect(why).toMatch(/its directory \/opt\/inn belongs to uid 9/);
  });

  it("a missing program cannot be trusted", async () => {
    expect(await untrustedBecause("/nope/sm", io(base))).toMatch(/cannot be resolved/);
  });
});

describe("spawnIdentity", () => {
  const newsUser = { uid: 9, gid: 9, name: "news" };
  const untrusted = {
    ...base,
    "/usr/local/news": news(0o40755),
    "/usr/local/news/sm": root(0o100755),
  };
  const trusted = {
    ...base,
    "/usr/local/news": root(0o40755),
    "/usr/local/news/sm": root(0o100755),
  };

  it.each([
    ["root, a trusted program: as root", trusted, 0, newsUser, {}],
    ["root, an untrusted one: as INN's user", untrusted, 0, newsUser, { uid: 9, gid: 9 }],
    ["not root: as we are, whatever the owner", untrusted, 1000, newsUser, {}],
  ])("%s", async (_name, tree, euid, user, want) => {
    expect(await spawnIdentity("/usr/local/news/sm", user, io(tree, {}, euid))).toEqual(want);
  });

  it("root, an untrusted program and no INN user: refused, saying what to fix", async () => {
    await expect(spawnIdentity("/usr/local/news/sm", null, io(untrusted))).rejects.toThrow(
      /refusing to run \/usr\/local\/news\/sm as root: its directory \/usr\/local\/news belongs to uid 9.*chown root, chmod go-w/,
    );
  });
});
