/** Errors that reach the one error boundary at the CLI entry: printed as their message, without a stack. */

/** A problem the user can fix; the message says what to do. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "UserError";
  }
}

/** Exit codes (docs/architecture.md, README): what a script or systemd can tell apart. */
export const EXIT = {
  problem: 1,
  usage: 2,
  prerequisite: 3,
  permission: 4,
  environment: 5,
  bug: 70,
} as const;

/**
 * The machine refused something at run time (bpftrace could not attach, the state directory cannot
 * be written): not a bug in newsnotify, and the message says what to do. Exit code 5.
 */
export class EnvironmentError extends UserError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, EXIT.environment, options);
    this.name = "EnvironmentError";
  }
}

/**
 * The state directory cannot be used: unsafe, not writable, full, or a state file is corrupt. An
 * EnvironmentError (exit 5), not a bug: the message says what to do.
 */
export class StateError extends EnvironmentError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StateError";
  }
}

/** An invalid config file: every problem at once, one `FILE: dotted.key: problem` line each. */
export class ConfigError extends UserError {
  readonly problems: string[];

  constructor(problems: string[], options?: ErrorOptions) {
    super(problems.join("\n"), 2, options);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** The message of anything thrown, for one-line logs and errors. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
