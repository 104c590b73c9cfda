/**
 * A throwaway PostgreSQL 15 for one test file: initdb (trust, user postgres) in a temporary
 * directory owned by the postgres user, pg_ctl on a free 127.0.0.1 port. Needs root (to run as
 * postgres) and Debian's postgresql-15; a missing one fails loudly.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const BIN = "/usr/lib/postgresql/15/bin";

export interface Postgres {
  port: number;
  /** A URL for `database` (created on demand by createDatabase). */
  url(database?: string, user?: string): string;
  createDatabase(name: string): void;
  psql(sql: string, database?: string): string;
  start(): void;
  stop(mode?: "fast" | "immediate"): void;
  remove(): void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function asPostgres(cmd: string, args: string[]): string {
  return execFileSync("runuser", ["-u", "postgres", "--", cmd, ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** psql's unaligned output, without its trailing newline. */
function runPsql(cmd: string, args: string[]): string {
  return asPostgres(cmd, args).trim();
}

export async function startPostgres(): Promise<Postgres> {
  if (!existsSync(join(BIN, "initdb"))) {
    throw new Error(`no PostgreSQL 15 in ${BIN}: apt-get install postgresql`);
  }
  const dir = mkdtempSync(join(tmpdir(), "newsnotify-pg-"));
  execFileSync("chown", ["postgres:postgres", dir]);
  const port = await freePort();
  asPostgres(join(BIN, "initdb"), ["-D", join(dir, "data"), "-A", "trust", "-U", "postgres"]);
  const pg: Postgres = {
    port,
    url: (database = "newsnotify", user = "postgres") =>
      `postgresql://${user}@127.0.0.1:${port}/${database}`,
    createDatabase: (name) => {
      pg.psql(`CREATE DATABASE ${name}`, "postgres");
    },
    psql: (sql, database = "newsnotify") =>
      runPsql(join(BIN, "psql"), [
        "-h",
        "127.0.0.1",
        "-p",
        String(port),
        "-U",
        "postgres",
        "-d",
        database,
        "-Atc",
        sql,
      ]),
    start: () => {
      asPostgres(join(BIN, "pg_ctl"), [
        "-D",
        join(dir, "data"),
        "-o",
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
        "-l",
        join(dir, "log"),
        "-w",
        "start",
      ]);
    },
    stop: (mode = "fast") => {
      asPostgres(join(BIN, "pg_ctl"), ["-D", join(dir, "data"), "-m", mode, "-w", "stop"]);
    },
    remove: () => {
      try {
        pg.stop("immediate");
      } catch {}
      rmSync(dir, { recursive: true, force: true });
    },
  };
  pg.start();
  return pg;
}

/** A TCP proxy on 127.0.0.1 in front of a port: stop() cuts every connection, start() takes new ones. */
export interface Proxy {
  port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startProxy(to: number): Promise<Proxy> {
  const port = await freePort();
  const sockets = new Set<import("node:net").Socket>();
  let server: import("node:net").Server | null = null;
  const proxy: Proxy = {
    port,
    start: () =>
      new Promise((resolve, reject) => {
        const s = createServer((client) => {
          const upstream = connect(to, "127.0.0.1");
          for (const x of [client, upstream]) {
            sockets.add(x);
            x.on("close", () => sockets.delete(x));
            x.on("error", () => {
              client.destroy();
              upstream.destroy();
            });
          }
          client.pipe(upstream).pipe(client);
        });
        s.once("error", reject);
        s.listen(port, "127.0.0.1", () => {
          server = s;
          resolve();
        });
      }),
    stop: () =>
      new Promise((resolve) => {
        for (const x of sockets) x.destroy();
        sockets.clear();
        if (!server) return resolve();
        server.close(() => resolve());
        server = null;
      }),
  };
  await proxy.start();
  return proxy;
}
