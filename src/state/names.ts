/** The files newsnotify keeps in its state directory: the one place their names are spelled. */
export const STATE_FILES = {
  /** The delivery journal (outbox.ts). */
  outbox: "outbox.jsonl",
  /** Catch-up's high-water marks (highwater.ts). */
  highwater: "highwater.json",
  /** Lines innd's channel fed `newsnotify feed`, kept until each is admitted (feed-inbox.ts). */
  feedInbox: "feed-inbox.txt",
  /** The running watcher's pid lock (lock.ts). */
  lock: "watch.pid",
  /** Held for the moment a stale lock is removed, so two starters cannot both take it (lock.ts). */
  lockTakeover: "watch.pid.takeover",
  /** What `status` reads (status.ts). */
  status: "status.json",
  /** The key behind the notifiers' target ids (target-key.ts). */
  targetKey: "target.key",
} as const;
