// @ts-check
/**
 * A private innd for the bench: the system's INN binaries and configuration, copied under a
 * temporary root with its own spool, history, active file and port. Why not the running innd:
 * every newsnotify on this machine traces every process named innd, so a burst into the shared
 * server would reach other people's watchers (and their tests' receivers), and the bench would
 * have to edit /etc/news/newsfeeds. Here nothing outside the root is touched, other watchers drop
 * our files as outside their spool, and stopping it is ours to do.
 */
import { execFileSync, spawn } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { stopChild } from "./child.mjs";
import { sleep } from "./clock.mjs";

export const INNBIN = "/usr/lib/news/bin";
const SYSTEM_INNCONF = "/etc/news/inn.conf";

/** Paths set per instance; everything else in inn.conf stays as the system has it. */
const PATH_KEYS = [
  "pathetc",
  "pathdb",
  "pathrun",
  "pathlog",
  "pathspool",
  "patharticles",
  "pathoverview",
  "pathincoming",
  "pathoutgoing",
  "patharchive",
  "pathtmp",
  "pathhttp",
  "port",
  "bindaddress",
  "doinnwatch",
];

/**
 * Pure: the system inn.conf → this instance's, with every path under `root`.
 * @param {string} text @param {string} root @param {number} port
 */
export function privateInnConf(text, root, port) {
  const drop = new RegExp(`^\\s*(${PATH_KEYS.join("|")})\\s*:.*$`, "gm");
  const own = {
    pathetc: `${root}/etc`,
    pathdb: `${root}/db`,
    pathrun: `${root}/run`,
    pathlog: `${root}/log`,
    pathspool: `${root}/spool`,
    patharticles: `${root}/spool/articles`,
    pathoverview: `${root}/spool/overview`,
    pathincoming: `${root}/spool/incoming`,
    pathoutgoing: `${root}/spool/outgoing`,
    patharchive: `${root}/spool/archive`,
    pathtmp: `${root}/tmp`,
    pathhttp: `${root}/tmp`,
    port: String(port),
    bindaddress: "127.0.0.1",
    doinnwatch: "false",
  };
  const tail = Object.entries(own)
    .map(([k, v]) => `${k}: ${v}`)
    .join("\n");
  return `${text.replace(drop, "")}\n# newsnotify bench: private instance\n${tail}\n`;
}

/**
 * Pure: this instance's storage.conf (every group stored by one method) and, for CNFS, its
 * cycbuff.conf (one buffer of `cycbuffKb` at `cycbuffPath`). PLATFORM.md: "Storage methods on a
 * real innd".
 * @param {"tradspool" | "timehash" | "timecaf" | "cnfs"} method
 * @param {{cycbuffPath?: string, cycbuffKb?: number}} [cnfs]
 */
export function storageConf(method, cnfs = {}) {
  const options = method === "cnfs" ? "    options: BENCH\n" : "";
  return {
    storage: `# newsnotify bench: every group by ${method}\nmethod ${method} {\n    newsgroups: *\n    class: 0\n${options}}\n`,
    cycbuff:
      method === "cnfs"
        ? `cycbuff:BNA:${cnfs.cycbuffPath}:${cnfs.cycbuffKb}\nmetacycbuff:BENCH:BNA\n`
        : null,
  };
}

/** @param {string} user */
function ids(user) {
  const uid = Number(execFileSync("id", ["-u", user], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", user], { encoding: "utf8" }).trim());
  return { uid, gid };
}

/**
 * Sets up and starts the instance. `newsfeedsExtra` is appended to the copied newsfeeds (the
 * channel contender's entry), so innd starts with it: no reload needed.
 * @param {{root: string, port: number, newsfeedsExtra: string, historySize: number,
 *   storage?: "tradspool" | "timehash" | "timecaf" | "cnfs", cycbuffKb?: number}} o
 */
export async function startInn(o) {
  const { root } = o;
  for (const d of [
    "etc",
    "db",
    "run",
    "log",
    "tmp",
    "spool/articles",
    "spool/overview",
    "spool/incoming",
    "spool/outgoing",
    "spool/archive",
  ]) {
    mkdirSync(join(root, d), { recursive: true });
  }
  cpSync("/etc/news", join(root, "etc"), { recursive: true });
  const innconf = join(root, "etc/inn.conf");
  writeFileSync(innconf, privateInnConf(readFileSync(SYSTEM_INNCONF, "utf8"), root, o.port));
  const newsfeeds = join(root, "etc/newsfeeds");
  writeFileSync(newsfeeds, readFileSync(newsfeeds, "utf8") + o.newsfeedsExtra);
  // Our own storage.conf, whatever the system's says (a test may be editing that one right now).
  const cycbuffPath = join(root, "spool/cycbuffs/bna");
  const cycbuffKb = o.cycbuffKb ?? 64 * 1024;
  const conf = storageConf(o.storage ?? "tradspool", { cycbuffPath, cycbuffKb });
  writeFileSync(join(root, "etc/storage.conf"), conf.storage);
  if (conf.cycbuff) {
    writeFileSync(join(root, "etc/cycbuff.conf"), conf.cycbuff);
    mkdirSync(join(root, "spool/cycbuffs"), { recursive: true });
    // CNFS wants the buffer file to exist at its full size (innd initialises its header).
    execFileSync("dd", ["if=/dev/zero", `of=${cycbuffPath}`, "bs=1k", `count=${cycbuffKb}`], {
      stdio: "ignore",
    });
  }
  writeFileSync(
    join(root, "db/active"),
    ["control", "control.cancel", "junk"].map((g) => `${g} 0000000000 0000000001 n\n`).join(""),
  );
  for (const f of ["active.times", "newsgroups", "history"]) writeFileSync(join(root, "db", f), "");
  // Who owns this instance: a later run reaps it only if this process is gone (see reapLeftovers).
  writeFileSync(join(root, "bench.pid"), `${process.pid}\n`);
  const news = ids("news");
  execFileSync("chown", ["-R", "news:news", root]);
  const env = { ...process.env, INNCONF: innconf };
  // A history index sized for the run, as a real server's would be (an empty one grows as it goes).
  execFileSync(`${INNBIN}/makedbz`, ["-i", "-o", "-s", String(o.historySize)], {
    cwd: join(root, "db"),
    env,
    ...news,
  });

  // -f: stay in the foreground, so innd is our child and we know its pid.
  const innd = spawn(`${INNBIN}/innd`, ["-f"], { cwd: root, env, stdio: "ignore", ...news });
  const ctlinnd = (/** @type {string[]} */ ...args) =>
    execFileSync(`${INNBIN}/ctlinnd`, ["-t", "10", ...args], {
      env,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  for (let i = 0; ; i++) {
    try {
      ctlinnd("mode");
      break;
    } catch (e) {
      if (i > 100 || innd.exitCode !== null) {
        throw new Error(`private innd did not start (see ${root}/log/news.err): ${e}`);
      }
      await sleep(100);
    }
  }
  return {
    pid: /** @type {number} */ (innd.pid),
    port: o.port,
    env,
    spool: `${root}/spool/articles`,
    activeFile: `${root}/db/active`,
    /** @param {string} group */
    newgroup: (group) => ctlinnd("newgroup", group, "y"),
    async stop() {
      if (innd.exitCode !== null || innd.signalCode !== null) return;
      try {
        ctlinnd("shutdown", "newsnotify bench done");
        await stopChild(innd, null, 15_000);
      } catch {
        await stopChild(innd, "SIGTERM", 15_000); // innd takes SIGTERM as a shutdown too
      }
    },
  };
}

/**
 * Stops the private innd of an earlier bench that died without cleaning up (e.g. SIGKILL), and
 * removes its directory. Only instances made by this bench (a `bench.pid` in `<tmp>/<prefix>*`)
 * whose bench process is gone and whose innd runs in that very directory are touched.
 * @param {string} tmp @param {string} prefix @param {(line: string) => void} say
 */
export async function reapLeftovers(tmp, prefix, say) {
  for (const name of readdirSync(tmp).filter((n) => n.startsWith(prefix))) {
    const dir = join(tmp, name);
    const owner = readPid(join(dir, "bench.pid"));
    if (owner === null || alive(owner)) continue;
    const innd = readPid(join(dir, "run/innd.pid"));
    if (innd !== null && alive(innd) && cwdOf(innd) === dir) {
      say(`stopping innd ${innd} left by an earlier run in ${dir}`);
      try {
        execFileSync(`${INNBIN}/ctlinnd`, ["-t", "10", "shutdown", "leftover"], {
          env: { ...process.env, INNCONF: join(dir, "etc/inn.conf") },
          stdio: "ignore",
        });
      } catch {
        process.kill(innd, "SIGTERM");
      }
      for (let i = 0; i < 100 && alive(innd); i++) await sleep(100);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** @param {string} path */
function readPid(path) {
  try {
    const pid = Number(readFileSync(path, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** @param {number} pid */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return /** @type {NodeJS.ErrnoException} */ (e).code === "EPERM";
  }
}

/** @param {number} pid */
function cwdOf(pid) {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return null;
  }
}

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released for innd to bind). */
export async function freePort() {
  const net = await import("node:net");
  const srv = net.createServer();
  await new Promise((/** @type {(v: void) => void} */ r) => srv.listen(0, "127.0.0.1", r));
  const { port } = /** @type {import("node:net").AddressInfo} */ (srv.address());
  await new Promise((r) => srv.close(r));
  return port;
}
