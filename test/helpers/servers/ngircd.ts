/**
 * A real ngIRCd on 127.0.0.1 (its own config in a temp dir, plain and TLS ports), and a raw test client
 * that sits in a channel and records every line it receives, exactly as the server relays it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { freePort, requireBinary, selfSignedCert, tempDir, waitForPort } from "./common.js";

export interface Ngircd {
  port: number;
  tlsPort: number;
  ca: string;
  /** What ngircd printed (it logs to stderr with -n). */
  log(): string;
  close(): Promise<void>;
}

export async function startNgircd(): Promise<Ngircd> {
  const bin = requireBinary("/usr/sbin/ngircd", "ngircd");
  const dir = tempDir("ngircd");
  chmodSync(dir, 0o755);
  const [port, tlsPort] = [await freePort(), await freePort()];
  const { cert, key } = selfSignedCert(dir);
  chmodSync(key, 0o644);
  const motd = join(dir, "motd");
  writeFileSync(motd, "test server\n");
  const conf = join(dir, "ngircd.conf");
  writeFileSync(
    conf,
    `[Global]
Name = irc.test.invalid
Info = newsnotify test server
Listen = 127.0.0.1
Ports = ${port}
MotdFile = ${motd}
PidFile = ${dir}/ngircd.pid
ServerUID = irc
ServerGID = irc
[Limits]
MaxConnectionsIP = 50
PingTimeout = 120
PongTimeout = 20
[Options]
DNS = no
Ident = no
PAM = no
[SSL]
CertFile = ${cert}
KeyFile = ${key}
Ports = ${tlsPort}
`,
  );
  const out: string[] = [];
  const child: ChildProcess = spawn(bin, ["-n", "-f", conf], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (b: Buffer) => out.push(String(b)));
  child.stderr?.on("data", (b: Buffer) => out.push(String(b)));
  const log = () => out.join("");
  await waitForPort(port, 10_000, log);
  await waitForPort(tlsPort, 10_000, log);
  return {
    port,
    tlsPort,
    ca: cert,
    log,
    async close() {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode === null ? child.once("exit", r) : r(null)));
    },
  };
}

export interface Listener {
  /** Every line received since it joined (CR LF removed), raw. */
  lines: string[];
  /** PRIVMSG and NOTICE lines to the channel. */
  messages(): string[];
  waitForMessages(n: number, timeoutMs?: number): Promise<string[]>;
  close(): void;
}

/** A plain client (not newsnotify's) that registers as `nick`, joins `channel` and records what comes. */
export function listen(port: number, channel: string, nick = "watcher"): Promise<Listener> {
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    let joined = false;
    let buffer = "";
    const s: Socket = connect(port, "127.0.0.1");
    s.setEncoding("utf8");
    s.on("error", reject);
    s.on("data", (chunk: string) => {
      buffer += chunk;
      for (let nl = buffer.indexOf("\r\n"); nl !== -1; nl = buffer.indexOf("\r\n")) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        if (line.startsWith("PING ")) s.write(`PONG ${line.slice(5)}\r\n`);
        else if (/^:\S+ 001 /.test(line)) s.write(`JOIN ${channel}\r\n`);
        else if (!joined && new RegExp(`^:${nick}!\\S+ JOIN :?${channel}$`, "i").test(line)) {
          joined = true;
          resolve(listener);
        } else if (joined) lines.push(line);
      }
    });
    s.write(`NICK ${nick}\r\nUSER ${nick} 0 * :test listener\r\n`);
    const messages = () =>
      lines.filter((l) => / (PRIVMSG|NOTICE) /.test(l) && l.split(" ")[2] === channel);
    const listener: Listener = {
      lines,
      messages,
      async waitForMessages(n, timeoutMs = 15_000) {
        const until = Date.now() + timeoutMs;
        while (messages().length < n) {
          if (Date.now() > until) {
            throw new Error(`${messages().length} of ${n} messages; saw:\n${lines.join("\n")}`);
          }
          await new Promise((r) => setTimeout(r, 25));
        }
        return messages();
      },
      close() {
        s.end("QUIT\r\n");
      },
    };
  });
}
