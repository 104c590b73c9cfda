// @ts-check
/**
 * A throwaway PostgreSQL 15 for the cluster bench: initdb (trust, user postgres) in a temporary
 * directory, pg_ctl on a free 127.0.0.1 port, removed at stop. Needs root (it runs as postgres)
 * and Debian's postgresql-15.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./inn.mjs";
import { descendants } from "./proc.mjs";

const BIN = "/usr/lib/postgresql/15/bin";

/** @param {string} cmd @param {string[]} args */
function asPostgres(cmd, args) {
  return execFileSync("runuser", ["-u", "postgres", "--", cmd, ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

export async function startPostgres() {
  if (!existsSync(join(BIN, "initdb"))) {
    throw new Error(`no PostgreSQL 15 in ${BIN}: apt-get install postgresql`);
  }
  const dir = mkdtempSync(join(tmpdir(), "newsnotify-bench-pg-"));
  execFileSync("chown", ["postgres:postgres", dir]);
  const port = await freePort();
  const data = join(dir, "data");
  asPostgres(join(BIN, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres"]);
  asPostgres(join(BIN, "pg_ctl"), [
    "-D",
    data,
    "-o",
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
    "-l",
    join(dir, "log"),
    "-w",
    "start",
  ]);
  const postmaster = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n", 1)[0]);
  /** @param {string} sql @param {string} [db] */
  const psql = (sql, db = "postgres") =>
    asPostgres(
      join(BIN, "psql"),
      ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres"].concat(["-d", db, "-Atc", sql]),
    ).trim();
  return {
    port,
    psql,
    /** A new empty database's URL. @param {string} name */
    database(name) {
      psql(`CREATE DATABASE ${name}`);
      return `postgresql://postgres@127.0.0.1:${port}/${name}`;
    },
    /** The server's processes now (the postmaster and its backends). */
    pids: () => [postmaster, ...descendants(postmaster)],
    stop() {
      try {
        asPostgres(join(BIN, "pg_ctl"), ["-D", data, "-m", "fast", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
