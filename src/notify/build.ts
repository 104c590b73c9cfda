import type { NotifierConfig } from "../config.js";
import { ExecNotifier } from "./exec.js";
import type { Notifier } from "./notifier.js";
import { StdoutNotifier } from "./stdout.js";
import { WebhookNotifier } from "./webhook.js";

export interface NotifierIo {
  /** Where stdout notifiers write (a test seam); default process.stdout. */
  stdout?: NodeJS.WritableStream;
}

/** One Notifier per validated config entry, in config order. */
export function buildNotifiers(cfg: NotifierConfig[], io: NotifierIo = {}): Notifier[] {
  return cfg.map((entry) => buildNotifier(entry, io));
}

function buildNotifier(entry: NotifierConfig, io: NotifierIo): Notifier {
  switch (entry.type) {
    case "stdout":
      return new StdoutNotifier({ json: entry.json, stream: io.stdout });
    case "webhook":
      return new WebhookNotifier(entry);
    case "exec":
      return new ExecNotifier(entry);
  }
}
