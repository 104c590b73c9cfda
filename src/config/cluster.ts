/**
 * The `cluster:` key: several watchers (one per news server) sharing one delivery queue on
 * PostgreSQL, so that each article is notified once for the site (docs/cluster.md).
 */
import { hostname } from "node:os";
import { z } from "zod";
import { expandEnv } from "./env.js";

/** A node name: what leases, the nodes table and `status` call this watcher. */
const NODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** The host name's first label when it is a valid node name, else "newsnotify". */
export function defaultNode(host: string = hostname()): string {
  const first = host.split(".", 1)[0] ?? "";
  return NODE.test(first) ? first : "newsnotify";
}

/**
 * Why `url` is not a PostgreSQL URL newsnotify can use, or null. Only the URL form
 * (postgres[ql]://[user[:password]@]host[:port]/database[?...]) is taken: a libpq key=value string
 * would be read with different rules by different tools.
 */
export function postgresUrlProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "expected a URL such as postgresql://newsnotify@db.example/newsnotify";
  }
  if (u.protocol !== "postgresql:" && u.protocol !== "postgres:") {
    return `expected a postgresql:// URL, got ${u.protocol}//`;
  }
  if (u.hostname === "") return "the URL names no host (postgresql://USER@HOST/DATABASE)";
  if (u.pathname.length <= 1) return "the URL names no database (postgresql://USER@HOST/DATABASE)";
  return null;
}

/** `cluster: { postgres, node }`; `${env:NAME}` is expanded in both (a password stays out of the file). */
export function clusterSchema(env: NodeJS.ProcessEnv = process.env) {
  const expanded = (schema: z.ZodType) =>
    z.preprocess((input, ctx) => {
      const { value, problems } = expandEnv(input, env);
      for (const p of problems) ctx.addIssue({ code: "custom", message: p.message, input });
      return value;
    }, schema);
  return z.strictObject({
    postgres: expanded(
      z.string().superRefine((url, ctx) => {
        const problem = postgresUrlProblem(url);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }),
    )
      .pipe(z.string())
      .describe(
        "The shared queue's database: postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE (env references allowed, as in notifiers).",
      ),
    node: expanded(
      z
        .string()
        .regex(
          NODE,
          "expected a node name: 1 to 63 characters from A-Z a-z 0-9 . _ -, a letter or digit first",
        ),
    )
      .pipe(z.string())
      .default(defaultNode())
      .describe("This watcher's name in the cluster (default: the host name)."),
    leaseSeconds: z
      .int()
      .min(5)
      .max(3600)
      .default(120)
      .describe(
        "How long a claim is held without a word from its node before another node may deliver it (renewed while a send runs).",
      ),
    retentionDays: z
      .int()
      .min(1)
      .max(3650)
      .default(7)
      .describe(
        "How long finished notifications stay in PostgreSQL: a Message-ID seen again within it (a lagging server catching up) is not notified again.",
      ),
  });
}

export type ClusterConfig = z.output<ReturnType<typeof clusterSchema>>;
