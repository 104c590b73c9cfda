/**
 * capture-storage-fixtures.ts - map groups to INN's four storage methods on the real innd, post
 * articles while the uprobe and smstore programs (scripts/uprobe-sections.bt.txt) are attached, and
 * keep what came out: fixtures/trace/{uprobe,smstore}-innd.jsonl, fixtures/tokens/tokens.tsv
 * (each article's token as grephistory prints it, with INN's own `sm -c` and `sm -i` reading of it),
 * fixtures/tokens/tradspool.map and storage.conf. INN's config is restored afterwards, even on failure.
 *
 * USAGE: sudo scripts/capture-storage-fixtures.sh   (wraps this in flock /tmp/nn-innd.lock)
 */
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { INNBIN, post } from "../test/helpers/inn.js";
import {
  inndRunning,
  METHOD_GROUPS,
  restoreOnExit,
  restoreStorageMethods,
  tokenOf,
  useStorageMethods,
} from "../test/helpers/storage-methods.js";

const root = new URL("..", import.meta.url).pathname;
const SECTIONS = readFileSync(`${root}scripts/uprobe-sections.bt.txt`, "utf8");

function section(name: string): string {
  const m = new RegExp(`//@section ${name}\\n([\\s\\S]*?)//@end`).exec(SECTIONS);
  if (!m?.[1]) throw new Error(`no section ${name}`);
  return m[1];
}

function inndPid(): number {
  return Number(execFileSync("pgrep", ["-xo", "innd"], { encoding: "utf8" }).trim());
}

function libstorage(pid: number): string {
  const maps = readFileSync(`/proc/${pid}/maps`, "utf8");
  const m = /\s(\/\S*libinnstorage\.so[^\s]*)$/m.exec(maps);
  if (!m?.[1]) throw new Error("innd maps no libinnstorage");
  return m[1];
}

function program(name: "uprobe" | "smstore"): string {
  const pid = inndPid();
  return `interval:s:5\n{\n  printf("H %llu\\n", nsecs);\n}\n\n${section(name)}`
    .replaceAll("__COMM__", "innd")
    .replaceAll("__INND__", realpathSync(`/proc/${pid}/exe`))
    .replaceAll("__LIBSTORAGE__", libstorage(pid));
}

interface Posted {
  name: string;
  newsgroups: string;
  messageId: string;
}

const run = `${Date.now()}.${randomBytes(3).toString("hex")}`;

function articles(tag: string): Posted[] {
  const id = (n: string) => `<${tag}.${n}.${run}@e2e.newsnotify.test>`;
  // innd refuses a Message-ID over 250 octets; this one is 245, so str() on bpftrace 0.17 cuts it.
  const long = `<${tag}.long.${run}.${"x".repeat(245 - 30 - tag.length - run.length)}@e2e.newsnotify.test>`;
  return [
    { name: "timehash", newsgroups: METHOD_GROUPS.timehash, messageId: id("th") },
    { name: "timecaf", newsgroups: METHOD_GROUPS.timecaf, messageId: id("tc") },
    { name: "cnfs", newsgroups: METHOD_GROUPS.cnfs, messageId: id("cn") },
    { name: "tradspool", newsgroups: METHOD_GROUPS.tradspool, messageId: id("ts") },
    {
      name: "cnfs-crosspost",
      newsgroups: `${METHOD_GROUPS.cnfs},${METHOD_GROUPS.tradspool}`,
      messageId: id("cnx"),
    },
    {
      name: "crosspost-tradspool-first",
      newsgroups: `${METHOD_GROUPS.tradspool},${METHOD_GROUPS.timehash}`,
      messageId: id("tsx"),
    },
    { name: "cnfs-deep", newsgroups: METHOD_GROUPS.cnfsDeep, messageId: id("deep") },
    {
      name: "odd-message-id",
      newsgroups: METHOD_GROUPS.timecaf,
      messageId: `<${tag}.q'u{o}t|e.$&=?^~.${run}@e2e.newsnotify.test>`,
    },
    { name: "long-message-id", newsgroups: METHOD_GROUPS.timehash, messageId: long },
  ];
}

function article(p: Posted): string {
  return [
    "From: Capture <capture@e2e.newsnotify.test>",
    `Newsgroups: ${p.newsgroups}`,
    `Subject: ${p.name} capture`,
    `Message-ID: ${p.messageId}`,
    "",
    `Stored by whatever storage.conf says for ${p.newsgroups}.`,
    "",
  ].join("\n");
}

async function capture(name: "uprobe" | "smstore"): Promise<Posted[]> {
  const text = program(name);
  const child = spawn("bpftrace", ["-f", "json", "-e", text], {
    env: { ...process.env, BPFTRACE_STRLEN: "200" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let attached: () => void = () => {};
  const ready = new Promise<void>((r) => {
    attached = r;
  });
  createInterface({ input: child.stdout }).on("line", (l) => {
    lines.push(l);
    if (l.includes('"attached_probes"')) attached();
  });
  child.stderr.on("data", (d: Buffer) => process.stderr.write(`bpftrace: ${d}`));
  const closed = new Promise((r) => child.on("close", r));
  const timeout = setTimeout(() => child.kill("SIGINT"), 30_000);
  const posted = articles(name);
  try {
    await ready;
    for (const p of posted) post(article(p));
    await new Promise((r) => setTimeout(r, 1500));
  } finally {
    clearTimeout(timeout);
    child.kill("SIGINT");
    await closed;
  }
  const kept = lines.filter((l) => l.trim() !== "" && !/"data": "H \d+\\n"/.test(l));
  writeFileSync(`${root}fixtures/trace/${name}-innd.jsonl`, `${kept.join("\n")}\n`);
  console.log(`${name}: ${kept.length} lines`);
  return posted;
}

function sm(args: string[]): string {
  return execFileSync(`${INNBIN}/sm`, args, { encoding: "utf8" }).trim();
}

async function main(): Promise<void> {
  restoreOnExit();
  useStorageMethods();
  try {
    mkdirSync(`${root}fixtures/tokens`, { recursive: true });
    const posted = [...(await capture("uprobe")), ...(await capture("smstore"))];
    const rows = ["name\tnewsgroups\tmessage_id\ttoken\tsm_c\tsm_i"];
    for (const p of posted) {
      const token = tokenOf(p.messageId);
      rows.push(
        [p.name, p.newsgroups, p.messageId, token, sm(["-c", token]), sm(["-i", token])].join("\t"),
      );
    }
    writeFileSync(`${root}fixtures/tokens/tokens.tsv`, `${rows.join("\n")}\n`);
    const pathspool = execFileSync(`${INNBIN}/innconfval`, ["pathspool"], { encoding: "utf8" });
    copyFileSync(`${pathspool.trim()}/tradspool.map`, `${root}fixtures/tokens/tradspool.map`);
    const etc = execFileSync(`${INNBIN}/innconfval`, ["pathetc"], { encoding: "utf8" }).trim();
    copyFileSync(`${etc}/storage.conf`, `${root}fixtures/tokens/storage.conf`);
    console.log(rows.join("\n"));
  } finally {
    restoreStorageMethods();
    console.log(`restored; innd ${inndRunning() ? "running" : "stopped"}`);
  }
}

await main();
