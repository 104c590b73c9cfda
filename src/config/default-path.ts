import { existsSync } from "node:fs";

/** Where the Debian package puts the config (a conffile), read by every command without --config. */
export const DEFAULT_CONFIG = "/etc/newsnotify/newsnotify.yaml";

/** The config file a command reads, and the line that tells the admin which one and why. */
export interface ConfigChoice {
  /** undefined: no file, every key at its default (INN's paths, the stdout notifier). */
  file: string | undefined;
  said: string;
}

/**
 * `--config FILE` when given; else the package's file when it exists; else none. Only existence is
 * checked here: a default file that cannot be read is an error the loader reports with its name,
 * not a reason to quietly run on defaults.
 */
export function chooseConfigFile(
  given: string | undefined,
  exists: (path: string) => boolean = existsSync,
  defaultPath: string = DEFAULT_CONFIG,
): ConfigChoice {
  if (given !== undefined) return { file: given, said: `config: ${given} (--config)` };
  if (exists(defaultPath))
    return { file: defaultPath, said: `config: ${defaultPath} (the default)` };
  return {
    file: undefined,
    said: `config: none (no ${defaultPath}): INN's own paths and the stdout notifier`,
  };
}
