/**
 * A real Exim (Debian's exim4) on 127.0.0.1 with its own config, spool and maildir in a temp dir (the
 * system's /etc/exim4 is not touched): STARTTLS on one port, implicit TLS on another, AUTH PLAIN
 * (news / s3cret) offered over TLS only; every message is delivered to one maildir, read back by tests.
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  chmodSync,
  chownSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { freePort, requireBinary, selfSignedCert, tempDir, waitForPort } from "./common.js";

export interface Exim {
  /** STARTTLS (and plain until STARTTLS). */
  port: number;
  /** TLS from the first byte (SMTPS). */
  tlsPort: number;
  /** The CA file clients must trust (the self-signed certificate). */
  ca: string;
  user: string;
  password: string;
  /** Raw delivered messages, oldest first. */
  messages(): string[];
  waitForMessages(n: number, timeoutMs?: number): Promise<string[]>;
  /** Exim's main log (what it received, from whom, over what). */
  log(): string;
  close(): Promise<void>;
}

/** Delivery runs as this user (Exim never delivers as root). */
const MAIL_USER = "Debian-exim";

export async function startExim(): Promise<Exim> {
  const exim = requireBinary("/usr/sbin/exim4", "exim4-daemon-light");
  const dir = tempDir("exim");
  const [port, tlsPort] = [await freePort(), await freePort()];
  const { cert, key } = selfSignedCert(dir);
  chmodSync(key, 0o644);
  chmodSync(dir, 0o755);
  for (const sub of ["spool", "log", "mail"]) {
    mkdirSync(join(dir, sub));
    chownSync(join(dir, sub), uid(MAIL_USER), gid(MAIL_USER));
  }
  const config = join(dir, "exim.conf");
  writeFileSync(
    config,
    `primary_hostname = mail.test.invalid
spool_directory = ${dir}/spool
log_file_path = ${dir}/log/%slog
pid_file_path = ${dir}/exim.pid
exim_user = ${MAIL_USER}
exim_group = ${MAIL_USER}
keep_environment =
local_interfaces = <; 127.0.0.1
daemon_smtp_ports = ${port} : ${tlsPort}
tls_on_connect_ports = ${tlsPort}
tls_certificate = ${cert}
tls_privatekey = ${key}
tls_advertise_hosts = *
auth_advertise_hosts = \${if eq{$tls_in_cipher}{}{}{*}}
host_lookup =
acl_smtp_rcpt = rcpt
begin acl
rcpt:
  deny    message = 550 no such user
          local_parts = nobody
  accept
begin routers
all:
  driver = accept
  transport = box
begin transports
box:
  driver = appendfile
  directory = ${dir}/mail
  maildir_format
  user = ${MAIL_USER}
  envelope_to_add
  return_path_add
begin authenticators
plain:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = \${if and{{eq{$auth2}{news}}{eq{$auth3}{s3cret}}}}
  server_set_id = $auth2
`,
  );
  const out: string[] = [];
  const child: ChildProcess = spawn(exim, ["-C", config, "-bdf"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (b: Buffer) => out.push(String(b)));
  child.stderr?.on("data", (b: Buffer) => out.push(String(b)));
  const log = () => {
    try {
      return readFileSync(join(dir, "log", "mainlog"), "utf8");
    } catch {
      return out.join("");
    }
  };
  await waitForPort(port, 10_000, () => `${out.join("")}\n${log()}`);
  await waitForPort(tlsPort, 10_000, () => `${out.join("")}\n${log()}`);

  const messages = () => {
    const fresh = join(dir, "mail", "new");
    let names: string[];
    try {
      // Exim's maildir names are "<seconds>.M<microseconds>P<pid>.<host>": arrival order, read as numbers.
      const at = (n: string) => {
        const m = /^(\d+)\.M(\d+)/.exec(n);
        return m ? Number(m[1]) * 1e6 + Number(m[2]) : 0;
      };
      names = readdirSync(fresh).sort((a, b) => at(a) - at(b));
    } catch {
      return [];
    }
    return names.map((n) => readFileSync(join(fresh, n), "utf8"));
  };
  return {
    port,
    tlsPort,
    ca: cert,
    user: "news",
    password: "s3cret",
    messages,
    async waitForMessages(n, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      while (messages().length < n) {
        if (Date.now() > until)
          throw new Error(`${messages().length} of ${n} messages arrived:\n${log()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return messages();
    },
    log,
    async close() {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode === null ? child.once("exit", r) : r(null)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function uid(user: string): number {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${user}:`));
  if (!line) throw new Error(`no user ${user}: apt-get install -y exim4-daemon-light`);
  return Number(line.split(":")[2]);
}

function gid(user: string): number {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${user}:`));
  return Number(line?.split(":")[3]);
}
