/**
 * `doctor`'s lines, pure: facts in, "key  value" lines out, each missing piece marked with what to
 * do. Doctor gathers the facts (doctor.ts); nothing here reads the machine, so each state an admin
 * can be in (no INN yet, no bpftrace, tracefs not mounted, not root) is a row of a table test.
 */

export interface DoctorLine {
  key: string;
  value: string;
  /** A missing piece: what to do about it, printed after the value. */
  fix?: string;
  /** It would stop `watch` (or hide articles): also a PROBLEM line, and exit code 1. */
  blocks?: boolean;
}

export const TRACEFS_MOUNT = "mount -t tracefs tracefs /sys/kernel/tracing";

/** bpftrace: its version, or how to get it. */
export function bpftraceLine(
  version: readonly number[] | null,
  command: readonly string[],
): DoctorLine {
  if (version) return { key: "bpftrace", value: `bpftrace v${version.join(".")}` };
  return {
    key: "bpftrace",
    value: `NOT FOUND (${command.join(" ")} --version did not run)`,
    fix: "apt-get install bpftrace (or set bpftrace: to the command that runs it)",
    blocks: true,
  };
}

/** tracefs: bpftrace's tracepoints and probes need it; as root, watch mounts it itself. */
export function tracefsLine(mounted: boolean, weMount: boolean): DoctorLine {
  if (mounted) return { key: "tracefs", value: "mounted" };
  if (weMount)
    return {
      key: "tracefs",
      value: "not mounted",
      fix: `none needed: watch mounts it (root); by hand: ${TRACEFS_MOUNT}`,
    };
  return {
    key: "tracefs",
    value: "not mounted, and watch cannot mount it (not root)",
    fix: `as root: ${TRACEFS_MOUNT}`,
    blocks: true,
  };
}

/** Root, or a bpftrace command that raises privilege (sources/privilege.ts decides which). */
export function rootLine(root: boolean, privilege: string | null): DoctorLine {
  if (root) return { key: "running as root", value: "yes" };
  if (privilege)
    return { key: "running as root", value: `no (bpftrace runs through ${privilege})` };
  return {
    key: "running as root",
    value: "no",
    fix:
      "bpftrace needs root: run as root (sudo newsnotify ...), or set bpftrace: to a command that " +
      "starts with sudo or doas (README, Security)",
    blocks: true,
  };
}

/** Where INN's paths came from: innconfval, or built-in defaults when INN is not installed. */
export function innPathsLine(source: string): DoctorLine {
  if (!source.startsWith("built-in defaults")) return { key: "INN paths from", value: source };
  return {
    key: "INN paths from",
    value: source,
    fix: "install INN (apt-get install inn2), or set spool: and activeFile: in the config",
  };
}

/** The spool: its path, and whether it can be read. */
export function spoolLine(spool: string, real: string, problem: string | null): DoctorLine {
  if (problem !== null) {
    return {
      key: "spool",
      value: `${spool} (NOT READABLE)`,
      fix: "install INN (apt-get install inn2), or set spool: to INN's patharticles",
      blocks: true,
    };
  }
  return { key: "spool", value: `${spool}${real !== spool ? ` (real path ${real})` : ""}` };
}

export function activeLine(file: string, readable: boolean): DoctorLine {
  if (readable) return { key: "active file", value: file };
  return {
    key: "active file",
    value: `${file} (NOT READABLE)`,
    fix: "set activeFile: to INN's pathdb/active (without it the unroll depth is a guess)",
  };
}

/** innd: running (its pid), or how to start it. */
export function inndLine(pids: readonly number[], why: string): DoctorLine {
  if (pids.length > 0) return { key: "innd", value: `running (pid ${pids.join(", ")})` };
  return {
    key: "innd",
    value: `not running (${why})`,
    fix: "start INN: systemctl start inn2, or rc.news as INN's user",
  };
}

/** The lines, aligned, each missing piece followed by what to do; then a PROBLEM line per block. */
export function renderDoctor(lines: readonly DoctorLine[], problems: readonly string[]): string {
  const width = Math.max(...lines.map((l) => l.key.length));
  const out = lines.map(
    (l) => `${l.key.padEnd(width)}  ${l.value}${l.fix ? `  -> to do: ${l.fix}` : ""}\n`,
  );
  for (const p of allProblems(lines, problems)) out.push(`PROBLEM: ${p}\n`);
  return out.join("");
}

/** What stops `watch`: each blocking line (with what to do), then the other problems found. */
export function allProblems(lines: readonly DoctorLine[], problems: readonly string[]): string[] {
  const blocking = lines.filter((l) => l.blocks).map((l) => `${l.key}: ${l.value}: ${l.fix}`);
  return [...blocking, ...problems];
}

/** What doctor's NNTP probe found: the server answered (and as whom), or why not (its code). */
export type NntpProbe =
  | { ok: true; where: string; user: string | null }
  | { ok: false; where: string; error: string; code: number | null };

/**
 * Catch-up's NNTP (overview reads for every method but tradspool): reachable, authenticated or not
 * asked; a failure blocks only when a method in use needs it.
 */
export function nntpLine(probe: NntpProbe, needs: readonly string[]): DoctorLine {
  const key = "catch-up NNTP";
  const why = needs.length > 0 ? `needed for ${needs.join(", ")}` : "not needed: tradspool only";
  if (probe.ok) {
    const as = probe.user ? `authenticated as ${probe.user}` : "no authentication asked";
    return { key, value: `${probe.where}: connected, ${as} (${why})` };
  }
  const fix = /passwd\.nntp cannot be read/.test(probe.error)
    ? "run doctor as root (INN's passwd.nntp is not world-readable), or set catchUp.nntp user and password"
    : probe.code === 480
      ? "readers.conf wants a user: set catchUp.nntp user and password, or add server:user:password to INN's passwd.nntp"
      : probe.code === 481 || probe.code === 502 || probe.code === 483
        ? "fix the credentials (catchUp.nntp user/password, or INN's passwd.nntp) or readers.conf"
        : "is innd running? catch-up connects where inn.conf's port and bindaddress say; or set catchUp.nntp host and port";
  return { key, value: `${probe.where}: ${probe.error} (${why})`, fix, blocks: needs.length > 0 };
}
