/**
 * The PostgreSQL schema of the shared delivery queue, created and migrated by newsnotify itself:
 * versioned (newsnotify_schema holds the version), one migration per version, applied under a
 * transaction-level advisory lock so that two watchers starting at once on an empty database
 * migrate it once.
 */
import type { PoolClient } from "pg";
import { EnvironmentError } from "../util/errors.js";

/** Every table newsnotify owns starts with this; any other table means another program's database. */
export const PREFIX = "newsnotify_";

/** The advisory lock key of migrations (any constant: "nn" in ASCII, then the schema's purpose). */
const LOCK = 0x6e6e_0001;

/** Migration N brings the schema from version N to N + 1. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE newsnotify_articles (
     message_id text PRIMARY KEY,
     article jsonb NOT NULL,
     enqueued_at timestamptz NOT NULL DEFAULT now(),
     enqueued_by text NOT NULL
   );
   CREATE TABLE newsnotify_deliveries (
     id bigserial UNIQUE,
     target text NOT NULL,
     message_id text NOT NULL REFERENCES newsnotify_articles ON DELETE CASCADE,
     state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'dropped')),
     enqueued_at timestamptz NOT NULL DEFAULT now(),
     due_at timestamptz NOT NULL DEFAULT now(),
     leased_by text,
     attempts integer NOT NULL DEFAULT 0,
     finished_at timestamptz,
     finished_by text,
     why text,
     PRIMARY KEY (target, message_id)
   );
   CREATE INDEX newsnotify_deliveries_due ON newsnotify_deliveries (target, id) WHERE state = 'pending';
   CREATE TABLE newsnotify_nodes (
     node text PRIMARY KEY,
     seen_at timestamptz NOT NULL DEFAULT now(),
     targets text[] NOT NULL DEFAULT '{}',
     last_error text,
     last_error_at timestamptz
   );`,
  // The key that names targets the same on every node (an HMAC of a notifier's entry: targets.ts),
  // written once by the first watcher (postgres-queue.ts).
  `CREATE TABLE newsnotify_cluster (
     id integer PRIMARY KEY CHECK (id = 1),
     target_key text NOT NULL
   );`,
  // Pruning (postgres-prune.ts): finished rows by age, and an article's deliveries by Message-ID
  // (the primary key leads with the target).
  `CREATE INDEX newsnotify_deliveries_finished ON newsnotify_deliveries (finished_at)
     WHERE state <> 'pending';
   CREATE INDEX newsnotify_deliveries_message ON newsnotify_deliveries (message_id);
   CREATE INDEX newsnotify_articles_enqueued ON newsnotify_articles (enqueued_at);`,
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the database's schema to SCHEMA_VERSION, in one transaction under the advisory lock. A
 * database holding other tables, or a newer schema than this build knows, is refused (exit 5)
 * before anything is written.
 */
export async function migrate(client: PoolClient): Promise<void> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1)", [LOCK]);
    const tables = await client.query<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
        WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
        ORDER BY table_schema, table_name`,
    );
    const foreign = tables.rows.filter((t) => t.schema !== "public" || !t.name.startsWith(PREFIX));
    if (foreign.length > 0) {
      const names = foreign.slice(0, 5).map((t) => `${t.schema}.${t.name}`);
      throw new EnvironmentError(
        `PostgreSQL database ${await currentDatabase(client)} holds tables that are not ` +
          `newsnotify's (${names.join(", ")}${foreign.length > 5 ? ", …" : ""}): give newsnotify a ` +
          "database of its own (CREATE DATABASE newsnotify OWNER newsnotify)",
      );
    }
    let version = 0;
    if (tables.rows.some((t) => t.name === "newsnotify_schema")) {
      const row = await client.query<{ version: number }>("SELECT version FROM newsnotify_schema");
      version = row.rows[0]?.version ?? 0;
    } else {
      await client.query("CREATE TABLE newsnotify_schema (version integer NOT NULL)");
      await client.query("INSERT INTO newsnotify_schema VALUES (0)");
    }
    if (version > SCHEMA_VERSION) {
      throw new EnvironmentError(
        `PostgreSQL schema version ${version} is newer than this newsnotify knows ` +
          `(${SCHEMA_VERSION}): upgrade newsnotify on this server too`,
      );
    }
    for (let v = version; v < SCHEMA_VERSION; v++) {
      await client.query(MIGRATIONS[v] as string);
    }
    if (version < SCHEMA_VERSION) {
      await client.query("UPDATE newsnotify_schema SET version = $1", [SCHEMA_VERSION]);
    }
    await client.query("COMMIT");
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  }
}

async function currentDatabase(client: PoolClient): Promise<string> {
  const r = await client.query<{ db: string }>("SELECT current_database() AS db");
  return r.rows[0]?.db ?? "?";
}
