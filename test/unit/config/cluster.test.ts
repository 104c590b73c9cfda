// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${env:...} is the config syntax under test
/** The `cluster:` key: a PostgreSQL URL (env references allowed) and this watcher's node name. */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { clusterSchema, defaultNode, postgresUrlProblem } from "../../../src/config/cluster.js";
import { loadConfig } from "../../../src/config/schema.js";
import { ConfigError } from "../../../src/util/errors.js";

const INN = { spool: "/var/spool/news/articles", activeFile: "/var/lib/news/active" };

describe("postgresUrlProblem", () => {
  it.each([
    ["postgresql://newsnotify@db.example/newsnotify", null],
    ["postgres://u:p@127.0.0.1:5433/nn?sslmode=require", null],
    ["mysql://u@db/nn", "expected a postgresql:// URL, got mysql://"],
    ["postgresql://db.example", "the URL names no database (postgresql://USER@HOST/DATABASE)"],
    ["postgresql:///newsnotify", "the URL names no host (postgresql://USER@HOST/DATABASE)"],
    ["host=db dbname=nn", "expected a URL such as postgresql://newsnotify@db.example/newsnotify"],
  ])("%s", (url, problem) => {
    expect(postgresUrlProblem(url)).toBe(problem);
  });
});

describe("defaultNode", () => {
  it.each([
    ["news1.example.net", "news1"],
    ["news1", "news1"],
    ["", "newsnotify"],
    ["-bad", "newsnotify"],
  ])("%j → %s", (host, node) => {
    expect(defaultNode(host)).toBe(node);
  });
});

describe("cluster schema", () => {
  const schema = clusterSchema({ PGPASS: "s3cret", EMPTY: "" });
  it("expands ${env:…} in the URL and defaults node to the host name", () => {
    const c = schema.parse({ postgres: "postgresql://nn:${env:PGPASS}@db/nn" });
    expect(c.postgres).toBe("postgresql://nn:s3cret@db/nn");
    expect(c.node).toBe(defaultNode());
  });
  it.each([
    [{ postgres: "postgresql://nn:${env:NOPE}@db/nn" }, "environment variable NOPE is not set"],
    [{ postgres: "postgresql://nn:${env:EMPTY}@db/nn" }, "environment variable EMPTY is empty"],
    [{ postgres: "nope" }, "expected a URL such as"],
    [{ postgres: "postgresql://db/nn", node: "news 1" }, "expected a node name"],
    [{ postgres: "postgresql://db/nn", nodes: "x" }, "nodes"],
    [{ postgres: "postgresql://db/nn", leaseSeconds: 1 }, "leaseSeconds"],
    [{ postgres: "postgresql://db/nn", retentionDays: 0 }, "retentionDays"],
    [{ postgres: "postgresql://db/nn", retentionDays: 1.5 }, "retentionDays"],
    [{}, "postgres"],
  ])("refuses %j", (input, message) => {
    const r = schema.safeParse(input);
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain(message);
  });
});

describe("cluster in the config file", () => {
  async function file(yaml: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "newsnotify-cluster-"));
    const path = join(dir, "config.yaml");
    await writeFile(path, yaml, { mode: 0o600 });
    return path;
  }
  it("is off unless set", async () => {
    expect((await loadConfig(await file("mode: auto\n"), INN)).cluster).toBeUndefined();
  });
  it("parses postgres and node", async () => {
    const c = await loadConfig(
      await file("cluster:\n  postgres: postgresql://nn@db.example/nn\n  node: news2\n"),
      INN,
    );
    expect(c.cluster).toEqual({
      postgres: "postgresql://nn@db.example/nn",
      node: "news2",
      leaseSeconds: 120,
      retentionDays: 7,
    });
  });
  it("a malformed URL is a config error (exit 2) naming the key", async () => {
    const path = await file("cluster:\n  postgres: postgresql//db/nn\n");
    const e = await loadConfig(path, INN).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).exitCode).toBe(2);
    expect((e as ConfigError).problems).toEqual([
      `${path}: cluster.postgres: expected a URL such as postgresql://newsnotify@db.example/newsnotify`,
    ]);
  });
});
