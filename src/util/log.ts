export type LogLevel = "info" | "warn" | "error";
export type Log = (level: LogLevel, message: string) => void;

/**
 * Log lines go to stderr (stdout belongs to the stdout notifier). Timestamps are added unless
 * journald already stamps each line (JOURNAL_STREAM is set by systemd for a service's stderr).
 */
export function stderrLog(stream: NodeJS.WritableStream = process.stderr): Log {
  const stamp = !process.env.JOURNAL_STREAM;
  return (level: LogLevel, message: string) => {
    const prefix = stamp ? `${new Date().toISOString()} ` : "";
    const tag = level === "info" ? "" : `${level}: `;
    stream.write(`${prefix}newsnotify: ${tag}${message}\n`);
  };
}
