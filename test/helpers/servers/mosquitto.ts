/**
 * A real Mosquitto on 127.0.0.1 (its own config in a temp dir): a plain listener that requires a user
 * and password, and a TLS listener; plus a subscriber that records every message it gets.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectAsync, type MqttClient } from "mqtt";
import { freePort, requireBinary, selfSignedCert, tempDir, waitForPort } from "./common.js";

export interface Mosquitto {
  /** Needs user/password. */
  port: number;
  /** TLS, anonymous. */
  tlsPort: number;
  ca: string;
  user: string;
  password: string;
  log(): string;
  close(): Promise<void>;
}

export async function startMosquitto(): Promise<Mosquitto> {
  const bin = requireBinary("/usr/sbin/mosquitto", "mosquitto");
  const passwd = requireBinary("/usr/bin/mosquitto_passwd", "mosquitto");
  const dir = tempDir("mosquitto");
  chmodSync(dir, 0o755);
  const [port, tlsPort] = [await freePort(), await freePort()];
  const { cert, key } = selfSignedCert(dir);
  chmodSync(key, 0o644);
  const users = join(dir, "passwd");
  execFileSync(passwd, ["-b", "-c", users, "news", "s3cret"], { stdio: "ignore" });
  chmodSync(users, 0o644);
  const conf = join(dir, "mosquitto.conf");
  writeFileSync(
    conf,
    `per_listener_settings true
user root
persistence false
log_dest stderr
log_type all
listener ${port} 127.0.0.1
allow_anonymous false
password_file ${users}
listener ${tlsPort} 127.0.0.1
allow_anonymous true
certfile ${cert}
keyfile ${key}
`,
  );
  const out: string[] = [];
  const child: ChildProcess = spawn(bin, ["-c", conf], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (b: Buffer) => out.push(String(b)));
  child.stderr?.on("data", (b: Buffer) => out.push(String(b)));
  const log = () => out.join("");
  await waitForPort(port, 10_000, log);
  await waitForPort(tlsPort, 10_000, log);
  return {
    port,
    tlsPort,
    ca: cert,
    user: "news",
    password: "s3cret",
    log,
    async close() {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode === null ? child.once("exit", r) : r(null)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Received {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
}

export interface Subscriber {
  messages: Received[];
  waitFor(n: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

/** Subscribes to `filter` (QoS 1) on the authenticated listener. */
export async function subscribe(m: Mosquitto, filter: string): Promise<Subscriber> {
  const client: MqttClient = await connectAsync(`mqtt://127.0.0.1:${m.port}`, {
    username: m.user,
    password: m.password,
    reconnectPeriod: 0,
  });
  const messages: Received[] = [];
  client.on("message", (topic, payload, packet) => {
    messages.push({ topic, payload: String(payload), qos: packet.qos, retain: packet.retain });
  });
  await client.subscribeAsync(filter, { qos: 1 });
  return {
    messages,
    async waitFor(n, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      while (messages.length < n) {
        if (Date.now() > until) throw new Error(`${messages.length} of ${n} MQTT messages`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return messages;
    },
    async close() {
      await client.endAsync();
    },
  };
}
