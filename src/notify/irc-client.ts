/**
 * A small IRC client on node's net/tls, just what a notifier needs: connect, register (optionally with
 * SASL PLAIN, or NickServ IDENTIFY after), join one channel, send one line and know the server took it
 * (a PING right after, answered only once the line before it was processed), answer PINGs. A dropped
 * connection is reopened by the next send; the dispatcher's retries space those out (1 s doubling to 60 s).
 * RFC 1459 / RFC 2812 and the IRCv3 CAP and SASL specifications.
 */
import { readFileSync } from "node:fs";
import { isIP, type Socket, connect as tcpConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { printable } from "../util/printable.js";
import { DeliveryError } from "./http.js";

export interface IrcClientOptions {
  host: string;
  port: number;
  tls: boolean;
  /** PEM file of a private CA. */
  ca?: string;
  nick: string;
  username: string;
  realname: string;
  /** Server password (PASS). */
  password?: string;
  sasl?: { username: string; password: string };
  nickservPassword?: string;
  channel: string;
  channelKey?: string;
  timeoutMs: number;
}

/** RFC 2812 2.3: a line is at most 512 bytes, CR LF included. */
export const IRC_LINE_BYTES = 512;

/** Replies that mean the channel cannot be joined or written to. */
const JOIN_FAILED = new Set(["403", "405", "471", "473", "474", "475", "476", "477", "489"]);
const SEND_FAILED = new Set(["401", "403", "404", "412", "413", "414", "407"]);

interface Parsed {
  prefix: string;
  command: string;
  params: string[];
}

/** One IRC line (without CR LF) into prefix, command and parameters (the trailing one included). */
export function parseLine(line: string): Parsed {
  let rest = line;
  if (rest.startsWith("@")) rest = rest.slice(rest.indexOf(" ") + 1);
  let prefix = "";
  if (rest.startsWith(":")) {
    const sp = rest.indexOf(" ");
    prefix = rest.slice(1, sp === -1 ? undefined : sp);
    rest = sp === -1 ? "" : rest.slice(sp + 1);
  }
  const params: string[] = [];
  while (rest !== "") {
    rest = rest.replace(/^ +/, "");
    if (rest.startsWith(":")) {
      params.push(rest.slice(1));
      break;
    }
    const sp = rest.indexOf(" ");
    params.push(sp === -1 ? rest : rest.slice(0, sp));
    rest = sp === -1 ? "" : rest.slice(sp + 1);
  }
  const [command = "", ...args] = params;
  return { prefix, command: command.toUpperCase(), params: args };
}

type Waiter = { match: (m: Parsed) => boolean; resolve: (m: Parsed) => void };

export class IrcClient {
  #socket: Socket | undefined;
  #ready: Promise<void> | undefined;
  #buffer = "";
  #waiters = new Set<Waiter>();
  /** Everything waiting on this connection, failed at once when it fails. */
  readonly #failures = new Set<(error: Error) => void>();
  #nick: string;
  #token = 0;
  /** The nick the server knows us by (after 433 it may differ from the configured one). */
  get nick(): string {
    return this.#nick;
  }

  constructor(readonly o: IrcClientOptions) {
    this.#nick = o.nick;
  }

  get where(): string {
    return `${this.o.tls ? "ircs" : "irc"}://${this.o.host}:${this.o.port}/${this.o.channel}`;
  }

  /** Sends one line (a PRIVMSG or NOTICE) and resolves once the server has processed it. */
  async send(line: string, signal?: AbortSignal): Promise<void> {
    if (/[\r\n\0]/.test(line) || Buffer.byteLength(line) > IRC_LINE_BYTES - 2) {
      throw new Error("internal: an IRC line must be one line of at most 510 bytes");
    }
    await this.#connected(signal);
    const token = `nn${++this.#token}`;
    const pong = this.#wait(
      (m) =>
        (m.command === "PONG" && m.params.includes(token)) ||
        (SEND_FAILED.has(m.command) && m.params[1] === this.o.channel),
      signal,
    );
    this.#write(line);
    this.#write(`PING :${token}`);
    const reply = await pong;
    if (reply.command !== "PONG") {
      throw new DeliveryError(
        `${this.where}: the server refused the message: ${reply.command} ${printable(reply.params.slice(1).join(" "))}`,
        false,
      );
    }
  }

  close(): void {
    if (this.#socket && !this.#socket.destroyed) {
      this.#write("QUIT :bye");
      this.#socket.end();
    }
    this.#drop(new Error("closed"));
  }

  #connected(signal?: AbortSignal): Promise<void> {
    this.#ready ??= this.#open(signal).catch((error: unknown) => {
      this.#drop(error as Error);
      throw error;
    });
    return this.#ready;
  }

  async #open(signal?: AbortSignal): Promise<void> {
    const o = this.o;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const options = { host: o.host, port: o.port, timeout: o.timeoutMs };
      const s = o.tls
        ? tlsConnect(
            {
              ...options,
              // SNI takes a host name only (RFC 6066 3); the certificate is checked against an IP too.
              ...(isIP(o.host) ? {} : { servername: o.host }),
              ...(o.ca ? { ca: readFileSync(o.ca) } : {}),
            },
            () => resolve(s),
          )
        : tcpConnect(options, () => resolve(s));
      s.once("error", (e) =>
        reject(new DeliveryError(`cannot reach ${this.where}: ${e.message}`, false)),
      );
      s.once("timeout", () => s.destroy(new Error(`no connection within ${o.timeoutMs} ms`)));
    });
    socket.setTimeout(0);
    socket.setKeepAlive(true, 60_000);
    // An idle connection must not keep newsnotify running after everything else stopped.
    socket.unref();
    socket.setEncoding("utf8");
    this.#socket = socket;
    this.#buffer = "";
    socket.on("data", (chunk: string) => this.#data(chunk));
    socket.on("error", (e) => this.#drop(new DeliveryError(`${this.where}: ${e.message}`, false)));
    socket.on("close", () =>
      this.#drop(new DeliveryError(`${this.where}: connection closed`, false)),
    );
    const registered = this.#wait(
      (m) => m.command === "JOIN" && this.#fromMe(m) && sameChannel(m.params[0], o.channel),
      signal,
    );
    if (o.sasl) this.#write("CAP LS 302");
    if (o.password) this.#write(`PASS ${o.password}`);
    this.#write(`NICK ${this.#nick}`);
    this.#write(`USER ${o.username} 0 * :${o.realname}`);
    await registered;
  }

  #fromMe(m: Parsed): boolean {
    return m.prefix.split("!")[0]?.toLowerCase() === this.#nick.toLowerCase();
  }

  #data(chunk: string): void {
    this.#buffer += chunk;
    let nl = this.#buffer.indexOf("\n");
    while (nl !== -1) {
      const line = this.#buffer.slice(0, nl).replace(/\r$/, "");
      this.#buffer = this.#buffer.slice(nl + 1);
      if (line) this.#line(parseLine(line));
      nl = this.#buffer.indexOf("\n");
    }
  }

  #line(m: Parsed): void {
    const o = this.o;
    const fail = (why: string) =>
      this.#fail(new DeliveryError(`${this.where}: ${printable(why)}`, false));
    switch (m.command) {
      case "PING":
        this.#write(`PONG :${m.params[0] ?? ""}`);
        break;
      case "CAP": {
        const sub = m.params[1];
        const caps = m.params.at(-1) ?? "";
        if (sub === "LS" && m.params[2] !== "*") {
          if (/(^| )sasl(=| |$)/.test(caps)) this.#write("CAP REQ :sasl");
          else fail("SASL is configured but the server does not offer it");
        } else if (sub === "ACK" && /(^| )sasl( |$)/.test(caps)) this.#write("AUTHENTICATE PLAIN");
        else if (sub === "NAK") fail("the server refused the SASL capability");
        break;
      }
      case "AUTHENTICATE":
        if (m.params[0] === "+" && o.sasl) {
          const { username, password } = o.sasl;
          this.#write(
            `AUTHENTICATE ${Buffer.from(`${username}\0${username}\0${password}`).toString("base64")}`,
          );
        }
        break;
      case "903":
        this.#write("CAP END");
        break;
      case "902":
      case "904":
      case "905":
      case "906":
        fail(`SASL log-in failed: ${m.command} ${m.params.at(-1) ?? ""}`);
        break;
      case "001":
        this.#nick = m.params[0] ?? this.#nick;
        if (o.nickservPassword) this.#write(`PRIVMSG NickServ :IDENTIFY ${o.nickservPassword}`);
        this.#write(`JOIN ${o.channel}${o.channelKey ? ` ${o.channelKey}` : ""}`);
        break;
      case "432":
      case "433":
      case "436":
        // Nick taken (a previous connection not yet gone, say): try another, within 9 characters+.
        this.#nick = `${o.nick.slice(0, 12)}${Math.floor(Math.random() * 1000)}`;
        this.#write(`NICK ${this.#nick}`);
        break;
      case "ERROR":
        fail(`the server closed the link: ${m.params.join(" ")}`);
        break;
      default:
        if (JOIN_FAILED.has(m.command) && sameChannel(m.params[1], o.channel)) {
          fail(`cannot join ${o.channel}: ${m.command} ${m.params.at(-1) ?? ""}`);
        }
    }
    for (const w of this.#waiters) {
      if (w.match(m)) {
        this.#waiters.delete(w);
        w.resolve(m);
      }
    }
  }

  #wait(match: (m: Parsed) => boolean, signal?: AbortSignal): Promise<Parsed> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        failed(new DeliveryError(`${this.where}: no answer within ${this.o.timeoutMs} ms`, false));
        // A connection that stopped answering is not reused.
        this.#socket?.destroy();
      }, this.o.timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(w);
        this.#failures.delete(failed);
        signal?.removeEventListener("abort", onAbort);
      };
      const failed = (e: Error) => {
        done();
        reject(e);
      };
      const onAbort = () => failed(signal?.reason ?? new Error("aborted"));
      const w: Waiter = {
        match,
        resolve: (m) => {
          done();
          resolve(m);
        },
      };
      this.#waiters.add(w);
      this.#failures.add(failed);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  #write(line: string): void {
    this.#socket?.write(`${line}\r\n`);
  }

  /** Forgets the connection (the next send opens a new one) and fails whatever waited on it. */
  #drop(error: Error): void {
    this.#ready = undefined;
    const s = this.#socket;
    this.#socket = undefined;
    if (s && !s.destroyed) s.destroy();
    this.#fail(error);
  }

  #fail(error: Error): void {
    const failures = [...this.#failures];
    this.#failures.clear();
    for (const f of failures) f(error);
  }
}

/** Channel names compare case-insensitively (RFC 2812 2.2; rfc1459 casemapping is close enough here). */
function sameChannel(a: string | undefined, b: string): boolean {
  return (a ?? "").toLowerCase() === b.toLowerCase();
}
