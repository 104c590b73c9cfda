import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ExecNotifier, resolveIdentity } from "../../../src/notify/exec.js";
import { requireRoot } from "../../helpers/root.js";
import { makeArticle } from "./article-factory.js";

/** A directory anyone may enter and write, with a script that records its uid, gid and env. */
function recorder(): { script: string; out: string } {
  const dir = mkdtempSync(join(tmpdir(), "newsnotify-exec-id-"));
  chmodSync(dir, 0o777);
  const out = join(dir, "seen");
  const script = join(dir, "record.sh");
  writeFileSync(script, `#!/bin/sh\ncat >/dev/null\n{ id -u; id -g; env; } > ${out}\n`);
  chmodSync(script, 0o755);
  return { script, out };
}

const watcherEnv = {
  PATH: "/home/u/evil-bin:/usr/bin",
  LANG: "C.UTF-8",
  HOME: "/root",
  NEWSNOTIFY_TOKEN: "s3cret",
  SLACK_URL: "https://hooks.slack.com/services/T/B/X",
  HOOK_MODE: "quiet",
};

describe("exec: the program's user and environment", () => {
  it("by default it sees PATH (the system's), LANG and HOME only: none of the watcher's secrets", async () => {
    const { script, out } = recorder();
    await new ExecNotifier({ type: "exec", command: [script] } as never, watcherEnv).send(
      makeArticle(),
    );
    const env = readFileSync(out, "utf8").split("\n").slice(2).filter(Boolean);
    const names = env
      .map((l) => l.split("=")[0])
      .filter((n) => n !== "PWD" && n !== "SHLVL" && n !== "_");
    expect(names.sort()).toEqual(["HOME", "LANG", "PATH"]);
    expect(env).toContain("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    expect(env.join("\n")).not.toMatch(/s3cret|hooks\.slack/);
  });

  it("env: [NAME] passes exactly the named variables", async () => {
    const { script, out } = recorder();
    const n = new ExecNotifier(
      { type: "exec", command: [script], env: ["HOOK_MODE", "UNSET_ONE"] } as never,
      watcherEnv,
    );
    await n.send(makeArticle());
    const env = readFileSync(out, "utf8");
    expect(env).toMatch(/^HOOK_MODE=quiet$/m);
    expect(env).not.toMatch(/UNSET_ONE|NEWSNOTIFY_TOKEN|SLACK_URL/);
  });

  it("user: nobody runs it as nobody, HOME from its passwd entry", async () => {
    requireRoot("only root can switch to nobody");
    const { script, out } = recorder();
    await new ExecNotifier(
      { type: "exec", command: [script], user: "nobody" } as never,
      watcherEnv,
    ).send(makeArticle());
    const [uid, gid, ...env] = readFileSync(out, "utf8").split("\n");
    expect([uid, gid]).toEqual(["65534", "65534"]);
    expect(env).toContain("HOME=/nonexistent");
  });

  it.each([
    [{ user: "65534" }, { uid: 65534, gid: 65534 }],
    [
      { user: "nobody", group: "0" },
      { uid: 65534, gid: 0 },
    ],
    [{}, {}],
  ])("identity of %j", async (o, want) => {
    const id = await resolveIdentity(o, {});
    expect({ uid: id.uid, gid: id.gid }).toEqual({ uid: undefined, gid: undefined, ...want });
  });

  it("an unknown user is an error that names it", async () => {
    await expect(resolveIdentity({ user: "no-such-user-nn" }, {})).rejects.toThrow(
      "exec notifier: no user no-such-user-nn",
    );
  });
});
