import { fstatSync } from "node:fs";

export type LogLevel = "info" | "warn" | "error";
export type Log = (level: LogLevel, message: string) => void;

/** sd-daemon(3) priorities: journald files a line starting `<N>` at priority N (err, warning, info). */
const PRIORITY: Record<LogLevel, number> = { error: 3, warn: 4, info: 6 };

/**
 * Whether `fd` is the stream journald gave the service: systemd sets JOURNAL_STREAM to its
 * "DEVICE:INODE" (systemd.exec(5)). An inherited variable with stderr redirected elsewhere (a
 * command run from the service's shell into a file) does not count.
 */
export function isJournalStream(
  value: string | undefined,
  stat: () => { dev: number; ino: number } | undefined,
): boolean {
  const m = /^(\d+):(\d+)$/.exec(value ?? "");
  if (!m) return false;
  const s = stat();
  return s !== undefined && String(s.dev) === m[1] && String(s.ino) === m[2];
}

/** The start of a log line: a journal priority under journald (it stamps the time itself), else the time. */
export function linePrefix(level: LogLevel, journal: boolean, now: Date): string {
  const tag = level === "info" ? "" : `${level}: `;
  return journal
    ? `<${PRIORITY[level]}>newsnotify: ${tag}`
    : `${now.toISOString()} newsnotify: ${tag}`;
}

function stderrStat(): { dev: number; ino: number } | undefined {
  try {
    return fstatSync(2);
  } catch {
    return undefined;
  }
}

/**
 * Log lines go to stderr (stdout belongs to the stdout notifier): under journald with a priority,
 * so that `journalctl -p warning` shows failing notifiers and not every article; elsewhere with a
 * timestamp.
 */
export function stderrLog(stream: NodeJS.WritableStream = process.stderr): Log {
  const journal =
    stream === process.stderr && isJournalStream(process.env.JOURNAL_STREAM, stderrStat);
  return (level: LogLevel, message: string) => {
    stream.write(`${linePrefix(level, journal, new Date())}${message}\n`);
  };
}
