/**
 * Who lets bpftrace load its program (it needs CAP_BPF and CAP_PERFMON): newsnotify running as
 * root, or the configured command starting with a program that raises privilege. The one policy
 * `watch` enforces and `doctor` reports, so the two cannot disagree about a config.
 */

/** The prefixes that run the rest of the command as root (a root-owned wrapper: README, Security). */
const ELEVATORS = ["sudo", "doas"] as const;

export type BpftracePrivilege = "root" | (typeof ELEVATORS)[number];

/** Pure: the bpftrace command and our uid → how bpftrace gets root, or null when it does not. */
export function bpftracePrivilege(
  command: readonly string[],
  uid: number | undefined,
): BpftracePrivilege | null {
  const elevator = ELEVATORS.find((e) => e === command[0]);
  if (elevator) return elevator;
  if (uid === 0) return "root";
  return null;
}
