/**
 * Catch-up's NNTP against the real innd when readers.conf wants a user: `doctor` connects as
 * catch-up does (inn.conf's port and bindaddress), gets 480, authenticates with AUTHINFO as the
 * admin chose (the config's catchUp.nntp, or INN's own passwd.nntp) and says so; refused or missing
 * credentials are a marked line. readers.conf and passwd.nntp are restored even on failure.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSetup, storageContext } from "../../src/flow/setup.js";
import {
  ensureGroup,
  ensureInnd,
  innconfval,
  newMessageId,
  post,
  requirePrerequisites,
} from "../helpers/inn.js";

const BIN = new URL("../../bin/newsnotify", import.meta.url).pathname;
const USER = "nn-e2e-reader";
const PASSWORD = "right horse battery";
const GROUP = "local.test";

describe("doctor: catch-up's NNTP on an innd whose readers.conf wants a user", () => {
  const etc = innconfval("pathetc");
  const readers = join(etc, "readers.conf");
  const passwdNntp = join(etc, "passwd.nntp");
  const ckpasswdFile = join(etc, "newsnotify-e2e.passwd");
  const saved = { readers: readFileSync(readers), passwdNntp: readFileSync(passwdNntp) };
  const dir = mkdtempSync(join(tmpdir(), "newsnotify-nntp-auth-"));
  const where = `127.0.0.1:${innconfval("port") || "119"}`;

  const doctor = async (yaml: string, env: Record<string, string> = {}) => {
    const file = join(dir, "config.yaml");
    writeFileSync(file, yaml, { mode: 0o600 });
    const r = await execa(BIN, ["doctor", "--config", file], {
      reject: false,
      stdin: "ignore",
      timeout: 120_000,
      env,
    });
    expect(r.stderr).not.toMatch(/unexpected error/);
    return /^catch-up NNTP\s{2,}(.*)$/m.exec(r.stdout)?.[1] ?? `no NNTP line in:\n${r.stdout}`;
  };

  const id = newMessageId("nntp-auth");
  beforeAll(() => {
    requirePrerequisites();
    ensureInnd();
    // Posted while readers.conf still lets localhost in (inews goes through nnrpd too).
    ensureGroup(GROUP);
    post(
      `From: e2e@example.net\nNewsgroups: ${GROUP}\nSubject: nntp auth\nMessage-ID: ${id}\n` +
        `Date: ${new Date().toUTCString()}\n\nbody\n`,
    );
    const hash = execFileSync("openssl", ["passwd", "-6", PASSWORD], { encoding: "utf8" }).trim();
    writeFileSync(ckpasswdFile, `${USER}:${hash}\n`, { mode: 0o640 });
    execFileSync("chown", ["root:news", ckpasswdFile]);
    // nnrpd reads readers.conf for each connection: no restart. Nothing without a user.
    writeFileSync(
      readers,
      [
        'auth "newsnotify-e2e" {',
        '    hosts: "localhost, 127.0.0.1, ::1"',
        `    auth: "ckpasswd -f ${ckpasswdFile}"`,
        "}",
        'access "newsnotify-e2e" {',
        `    users: "${USER}"`,
        '    newsgroups: "*"',
        "    access: R",
        "}",
        "",
      ].join("\n"),
    );
  });
  afterAll(() => {
    writeFileSync(readers, saved.readers);
    writeFileSync(passwdNntp, saved.passwdNntp);
    rmSync(ckpasswdFile, { force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it("credentials in the config (the password from the environment): 480, AUTHINFO, authenticated", async () => {
    const line = await doctor(
      `catchUp:\n  nntp:\n    user: ${USER}\n    password: "\${env:NN_E2E_NNTP_PASSWORD}"\n`,
      { NN_E2E_NNTP_PASSWORD: PASSWORD },
    );
    expect(line).toMatch(new RegExp(`^${where}: connected, authenticated as ${USER} \\(`));
  });

  it("credentials in INN's passwd.nntp (the server's line), as INN's tools use it", async () => {
    writeFileSync(passwdNntp, `${saved.passwdNntp}\nlocalhost:${USER}:${PASSWORD}\n`);
    expect(await doctor("mode: auto\n")).toMatch(
      new RegExp(`^${where}: connected, authenticated as ${USER} \\(`),
    );
    // Not root: passwd.nntp (root:news 0640) cannot be read, and doctor says what to do.
    const nobody = await execa(
      "setpriv",
      ["--reuid=65534", "--regid=65534", "--clear-groups", BIN, "doctor"],
      { reject: false, stdin: "ignore", timeout: 120_000 },
    );
    expect(/^catch-up NNTP\s{2,}(.*)$/m.exec(nobody.stdout)?.[1], nobody.stdout).toMatch(
      /passwd\.nntp cannot be read: .*EACCES.*-> to do: run doctor as root/,
    );
    // passwdNntp: false is the admin saying "not from there".
    expect(await doctor("catchUp:\n  nntp: { passwdNntp: false }\n")).toMatch(
      /requires authentication .* no credentials are configured .*-> to do: readers.conf wants a user/,
    );
    writeFileSync(passwdNntp, saved.passwdNntp);
  });

  it("a wrong password: 481, named by user, the password never printed", async () => {
    const line = await doctor(
      `catchUp:\n  nntp:\n    user: ${USER}\n    password: not-the-password\n`,
    );
    expect(line).toMatch(
      new RegExp(
        `^${where}: the server refused the credentials of user ${USER} .*: 481 .*-> to do: fix the credentials`,
      ),
    );
    expect(line).not.toContain("not-the-password");
  });

  it("no credentials anywhere: 480, and what to do", async () => {
    const line = await doctor("catchUp:\n  nntp: { passwdNntp: false }\n");
    expect(line).toMatch(/no credentials are configured/);
    expect(line).toMatch(/-> to do: readers.conf wants a user: set catchUp.nntp user and password/);
  });

  it("catch-up's own overview read (storage context from the setup) authenticates the same way", async () => {
    const over = async (yaml: string) => {
      const file = join(dir, "catchup.yaml");
      writeFileSync(file, yaml, { mode: 0o600 });
      const { setup } = await readSetup(file);
      const overview = storageContext(setup).overview;
      if (!overview) throw new Error("no overview access in the storage context");
      return overview.over(GROUP, 1, 2 ** 31 - 1);
    };
    const entries = await over(
      `catchUp:\n  nntp:\n    user: ${USER}\n    password: ${JSON.stringify(PASSWORD)}\n`,
    );
    expect(entries.map((e) => e.messageId)).toContain(id);
    await expect(over("catchUp:\n  nntp: { passwdNntp: false }\n")).rejects.toThrow(
      /requires authentication .* no credentials are configured/,
    );
  });
});
