import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { doctor } from "./commands/doctor.js";
import { feed } from "./commands/feed.js";
import { script } from "./commands/script.js";
import { status } from "./commands/status.js";
import { testHook } from "./commands/test-hook.js";
import { watchReloading } from "./commands/watch-reload.js";
import { chooseConfigFile, DEFAULT_CONFIG } from "./config/default-path.js";
import { FEED_SITE } from "./sources/feed.js";
import { SOURCES, type SourceSetting } from "./sources/registry.js";
import { ConfigError, EXIT, UserError } from "./util/errors.js";
import { stderrLog } from "./util/log.js";

const DEFAULT_CONFIG_HINT = `config file (YAML or JSON); default ${DEFAULT_CONFIG} when it exists, else INN's own paths and a stdout notifier`;
const STATUS_CONFIG_HINT = `the config file whose stateDir to read; default ${DEFAULT_CONFIG} when it exists, else /var/lib/newsnotify`;

function program(): Command {
  const cli = new Command("newsnotify")
    .description(
      "Notify Slack, Discord, a webhook or your own program the moment INN's innd files an article.\n" +
        "It sees innd store articles with bpftrace (a kprobe or syscall tracepoints on file creation, or a " +
        "uprobe on innd's InndHisWrite for every storage method) and reads the new article.",
    )
    .version("0.1.0")
    .showHelpAfterError("(run with --help for usage)")
    // Usage errors come back to main() as CommanderError (exit 2), inherited by every subcommand.
    .exitOverride();

  cli
    .command("watch")
    .description(
      "trace innd and notify each new article, in the foreground until SIGINT/SIGTERM; SIGHUP re-reads the config (needs root)",
    )
    .option("-c, --config <file>", DEFAULT_CONFIG_HINT)
    .action(async (o: { config?: string }) => {
      const log = stderrLog();
      const { file, said } = chooseConfigFile(o.config);
      log("info", said);
      const reloadSignal = (listener: () => void) => void process.on("SIGHUP", listener);
      await watchReloading({ config: file, log, stopSignal: stopSignal(), reloadSignal });
    });

  cli
    .command("feed")
    .description(
      "innd's channel program (newsfeeds: newsnotify!:*:Tc,Wnm:/usr/bin/newsnotify feed): notifies each article innd feeds it; runs as news, no root or bpftrace (docs/feed.md)",
    )
    .option("-c, --config <file>", DEFAULT_CONFIG_HINT)
    .option(
      "--site <name>",
      "the newsfeeds entry's site name, its ! included: innd spools to <pathoutgoing>/<name> while no feed runs",
      siteArg,
      FEED_SITE,
    )
    .action(async (o: { config?: string; site: string }) => {
      const log = stderrLog();
      await feed({ ...o, input: process.stdin, log, stopSignal: stopSignal() });
    });

  cli
    .command("test-hook")
    .description(
      "dry run on one stored article: show the parsed article and what each notifier would send",
    )
    .argument(
      "<article>",
      "an article file (e.g. /var/spool/news/articles/local/test/1) or INN's token for it " +
        "(@…@, as grephistory '<message-id>' prints it: every storage method)",
    )
    .option("-c, --config <file>", DEFAULT_CONFIG_HINT)
    .option("--send", "really send it to every notifier and report each result", false)
    .action(async (file: string, o: { config?: string; send: boolean }) => {
      const config = chooseConfigFile(o.config);
      process.stdout.write(`${config.said}\n`);
      const ok = await testHook({ file, config: config.file, send: o.send, out: process.stdout });
      if (!ok) process.exitCode = 1;
    });

  cli
    .command("doctor")
    .description(
      "show what this machine offers (bpftrace, kprobes, lockdown, innd, spool) and the mode watch would use",
    )
    .option("-c, --config <file>", DEFAULT_CONFIG_HINT)
    .action(async (o: { config?: string }) => {
      const config = chooseConfigFile(o.config);
      const ok = await doctor({
        config: config.file,
        configSaid: config.said,
        out: process.stdout,
      });
      if (!ok) process.exitCode = 1;
    });

  cli
    .command("status")
    .description(
      "what the watcher of the state directory is doing: per notifier backlog, last delivery and error; last article; lock (no root needed)",
    )
    .option("-c, --config <file>", STATUS_CONFIG_HINT)
    .option("--json", "print it as JSON", false)
    .action(async (o: { config?: string; json: boolean }) => {
      // stderr: stdout stays the report (--json: one JSON document).
      const config = chooseConfigFile(o.config);
      process.stderr.write(`newsnotify: ${config.said}\n`);
      const ok = await status({ config: config.file, json: o.json, out: process.stdout });
      if (!ok) process.exitCode = 1;
    });

  cli
    .command("script")
    .description("print the bpftrace program watch would run here")
    .option("-c, --config <file>", DEFAULT_CONFIG_HINT)
    .addOption(
      new Option("-m, --mode <mode>", "detection source").choices([
        "auto",
        ...SOURCES.map((s) => s.name),
      ]),
    )
    .option(
      "--depth <n>",
      "unroll depth (default: computed from the spool and the active file)",
      depthArg,
    )
    .action(async (o: { config?: string; mode?: SourceSetting; depth?: number }) => {
      // A comment line: the output stays a program bpftrace runs.
      const config = chooseConfigFile(o.config);
      process.stdout.write(`// ${config.said}\n`);
      await script({ config: config.file, mode: o.mode, depth: o.depth, out: process.stdout });
    });
  return cli;
}

/** A newsfeeds site name (a file name in pathoutgoing): no slash, no leading dot. */
function siteArg(v: string): string {
  if (!/^[A-Za-z0-9_+-][A-Za-z0-9._+!-]{0,63}$/.test(v))
    throw new InvalidArgumentError("a newsfeeds site name (letters, digits, . _ + - !)");
  return v;
}

function depthArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 4 || n > 100)
    throw new InvalidArgumentError("an integer from 4 to 100");
  return n;
}

/**
 * Resolves with the signal's name on the first SIGINT or SIGTERM; a second one exits at once. The
 * listeners stay installed (not `once`): execa's signal-exit kills the process when it sees itself
 * as the last listener of a signal.
 */
function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    let seen = false;
    for (const sig of ["SIGINT", "SIGTERM"] as const) {
      process.on(sig, () => {
        if (seen) process.exit(130);
        seen = true;
        resolve(sig);
      });
    }
  });
}

/** The one error boundary: user errors print their message; anything else is a bug, with its stack. */
export async function main(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander printed the message (or the help) already.
      process.exitCode = e.exitCode === 0 ? 0 : EXIT.usage;
    } else if (e instanceof ConfigError) {
      process.stderr.write(
        `newsnotify: invalid config:\n${e.problems.map((p) => `  ${p}`).join("\n")}\n`,
      );
      process.exitCode = e.exitCode;
    } else if (e instanceof UserError) {
      process.stderr.write(`newsnotify: ${e.message}\n`);
      process.exitCode = e.exitCode;
    } else {
      process.stderr.write(
        `newsnotify: unexpected error (a bug; please report it):\n${e instanceof Error ? e.stack : e}\n`,
      );
      process.exitCode = EXIT.bug;
    }
  }
}
