/**
 * scripts/test.sh never replaces what the machine has (issue 24): lib.sh's nothing_replaced asks apt
 * for a simulation of the missing packages and stops, before anything is installed, when it would
 * remove one. Run through bash with a fake dpkg and apt-get first on PATH, which record every call:
 * the simulation output is apt's own format (`Remv PKG [VERSION]`, `Inst PKG ...`).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const LIB = new URL("../../../scripts/lib.sh", import.meta.url).pathname;

// What `LC_ALL=C apt-get install -s -y postfix` printed on this Debian 12 machine, which has exim4:
// the two MTAs conflict (both provide mail-transport-agent), so installing either removes the other.
// test.sh's case is the mirror image (exim4-daemon-light on a machine with postfix); same lines.
const REMOVES_EXIM = `Reading package lists...
Building dependency tree...
Reading state information...
The following packages were automatically installed and are no longer required:
  bsd-mailx libidn12 liblockfile-bin liblockfile1
Use 'apt autoremove' to remove them.
Suggested packages:
  procmail postfix-mysql postfix-pgsql postfix-ldap postfix-pcre postfix-lmdb
  postfix-sqlite sasl2-bin | dovecot-common resolvconf postfix-cdb
  postfix-mta-sts-resolver ufw postfix-doc
The following packages will be REMOVED:
  exim4-base exim4-config exim4-daemon-light
The following NEW packages will be installed:
  postfix
0 upgraded, 1 newly installed, 3 to remove and 133 not upgraded.
Remv exim4-daemon-light [4.96-15+deb12u11] [bsd-mailx:amd64 inn2:amd64 ]
Remv exim4-config [4.96-15+deb12u11] [exim4-base:amd64 bsd-mailx:amd64 inn2:amd64 ]
Inst postfix (3.7.11-0+deb12u1 Debian:12.15/oldstable [amd64]) [exim4-base:amd64 ]
Remv exim4-base [4.96-15+deb12u11]
Conf postfix (3.7.11-0+deb12u1 Debian:12.15/oldstable [amd64])
`;
const ADDS_ONLY = `Inst ngircd (26.1-1 Debian:12.12/stable [amd64])
Conf ngircd (26.1-1 Debian:12.12/stable [amd64])
`;

/** Runs nothing_replaced PKGS with the installed set and apt's simulation output given. */
function run(installed: string[], simulation: string, packages: string[]) {
  const dir = mkdtempSync(join(tmpdir(), "nn-nothing-replaced-"));
  const calls = join(dir, "calls");
  writeFileSync(calls, "");
  writeFileSync(join(dir, "simulation"), simulation);
  const script = (body: string) => `#!/bin/sh\necho "$(basename "$0") $*" >>${calls}\n${body}\n`;
  writeFileSync(
    join(dir, "dpkg"),
    script(`case " ${installed.join(" ")} " in *" $2 "*) exit 0 ;; *) exit 1 ;; esac`),
  );
  writeFileSync(
    join(dir, "apt-get"),
    script(`case " $* " in *" -s "*) cat ${join(dir, "simulation")} ;; esac`),
  );
  chmodSync(join(dir, "dpkg"), 0o755);
  chmodSync(join(dir, "apt-get"), 0o755);
  const r = spawnSync(
    "bash",
    ["-c", `. ${LIB}; nothing_replaced "$@"; echo REACHED`, "test.sh", ...packages],
    {
      encoding: "utf8",
      env: { PATH: `${dir}:${process.env.PATH}` },
    },
  );
  const apt = readFileSync(calls, "utf8")
    .split("\n")
    .filter((l) => l.startsWith("apt-get "));
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, apt };
}

describe("test.sh's nothing_replaced: stop before installing what would remove an installed package", () => {
  it("an installed MTA: stops, names what would go, installed nothing (apt only updated and simulated)", () => {
    const r = run(["exim4-daemon-light", "ngircd"], REMOVES_EXIM, ["ngircd", "postfix"]);
    expect(r.status).toBe(1);
    expect(r.stdout).not.toContain("REACHED");
    expect(r.stderr).toContain(
      "would remove exim4-daemon-light exim4-config exim4-base from this machine",
    );
    expect(r.stderr).toContain("nothing was installed or removed");
    expect(r.apt).toEqual(["apt-get update -qq", "apt-get install -s -y postfix"]);
  });

  it.each<[string, string[], string, string[], string[]]>([
    [
      "nothing removed: goes on",
      ["postfix"],
      ADDS_ONLY,
      ["ngircd"],
      ["apt-get update -qq", "apt-get install -s -y ngircd"],
    ],
    [
      "everything installed already: asks apt nothing",
      ["ngircd", "exim4-daemon-light"],
      REMOVES_EXIM,
      ["ngircd", "exim4-daemon-light"],
      [],
    ],
  ])("%s", (_name, installed, simulation, packages, apt) => {
    const r = run(installed, simulation, packages);
    expect(r.stderr).not.toContain("error:");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("REACHED");
    expect(r.apt).toEqual(apt);
  });
});
