import { connect, type Socket } from "node:net";

/**
 * A reader connection to the local news server (RFC 3977): GROUP, ARTICLE by number or Message-ID,
 * OVER. innd hands a connection to nnrpd after MODE READER; articles come back as stored, in wire
 * format (CRLF, dot-stuffed, ending CRLF "." CRLF), which is what the article parser reads. Bounded:
 * every response has a size limit and a timeout; a protocol error closes the connection. When the
 * server answers 480 (readers.conf wants a user), it authenticates with AUTHINFO USER/PASS (RFC
 * 4643) and sends the command again: credentials go only to a server that asks for them.
 */

/** Who to authenticate as; where they came from is for messages (never the password). */
export interface NntpLogin {
  user: string;
  password: string;
  source?: string;
}

export interface NntpOptions {
  host?: string;
  port?: number;
  timeoutMs?: number;
  /** Largest multi-line response accepted (an article), bytes. */
  maxBytes?: number;
  /** Asked only when the server wants authentication; null: none configured. */
  login?: () => Promise<NntpLogin | null>;
}

export class NntpError extends Error {
  override name = "NntpError";
  constructor(
    message: string,
    readonly code: number | null = null,
  ) {
    super(message);
  }
}

export interface GroupInfo {
  count: number;
  low: number;
  high: number;
}

const CRLF = Buffer.from("\r\n");
const END = Buffer.from("\r\n.\r\n");

export class NntpReader {
  private buf: Buffer = Buffer.alloc(0);
  private wake: (() => void) | null = null;
  private closed: Error | null = null;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  /** The user AUTHINFO succeeded for; null before (or without) authentication. */
  authenticatedAs: string | null = null;

  private constructor(
    private readonly socket: Socket,
    private readonly opts: NntpOptions,
  ) {
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
    socket.on("data", (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      this.wake?.();
    });
    const end = (e?: Error) => {
      this.closed ??= e ?? new NntpError("the server closed the connection");
      this.wake?.();
    };
    socket.on("error", end);
    socket.on("close", () => end());
  }

  /** Connects, reads the greeting, switches to reader mode (innd → nnrpd). */
  static async open(opts: NntpOptions = {}): Promise<NntpReader> {
    const socket = connect({ host: opts.host ?? "127.0.0.1", port: opts.port ?? 119 });
    const r = new NntpReader(socket, opts);
    const greeting = await r.status();
    if (greeting.code !== 200 && greeting.code !== 201) {
      r.close();
      throw new NntpError(`the server refused the connection: ${greeting.line}`, greeting.code);
    }
    const mode = await r.command("MODE READER").catch((e: unknown) => {
      r.close();
      throw e;
    });
    if (mode.code !== 200 && mode.code !== 201) {
      r.close();
      throw new NntpError(`MODE READER: ${mode.line}`, mode.code);
    }
    return r;
  }

  /** GROUP: its count and number range; null when the server has no such group (411). */
  async group(name: string): Promise<GroupInfo | null> {
    assertArg(name, /^[^\s\0]{1,500}$/, "group name");
    const r = await this.command(`GROUP ${name}`);
    if (r.code === 411) return null;
    const m = /^211 (\d+) (\d+) (\d+)/.exec(r.line);
    if (!m) throw new NntpError(`GROUP ${name}: ${r.line}`, r.code);
    return { count: Number(m[1]), low: Number(m[2]), high: Number(m[3]) };
  }

  /**
   * ARTICLE by number (in the current group) or Message-ID: the article in wire format, ending
   * with CRLF "." CRLF as stored; null when the server has none (423, 430).
   */
  async article(which: number | string): Promise<Buffer | null> {
    return (await this.articles([which], 1))[0] ?? null;
  }

  /**
   * Several ARTICLEs pipelined (RFC 3977 3.5), `window` commands in flight: one round trip per
   * article costs ~40 ms here (nnrpd's Nagle against our delayed ACK), a window hides it.
   */
  async articles(list: readonly (number | string)[], window = 16): Promise<(Buffer | null)[]> {
    const commands = list.map((which) => {
      if (typeof which === "number") {
        if (!Number.isSafeInteger(which) || which < 1)
          throw new NntpError(`bad article number ${which}`);
      } else assertArg(which, /^<[^\s<>\0]{1,248}>$/, "Message-ID");
      return `ARTICLE ${which}`;
    });
    const out: (Buffer | null)[] = [];
    let sent = 0;
    const send = () => {
      const upto = Math.min(commands.length, out.length + Math.max(1, window));
      if (upto > sent) this.socket.write(`${commands.slice(sent, upto).join("\r\n")}\r\n`);
      sent = upto;
    };
    while (out.length < commands.length) {
      send();
      const r = await this.status();
      if (r.code === 423 || r.code === 430) out.push(null);
      else if (r.code === 220) out.push(await this.multiline());
      else {
        this.close(); // answers to the rest of the window are still coming: the stream is unusable
        throw new NntpError(`${commands[out.length]}: ${r.line}`, r.code);
      }
    }
    return out;
  }

  /** OVER low-high in the current group: raw overview lines (tab-separated fields). */
  async over(low: number, high: number): Promise<string[]> {
    const r = await this.command(`OVER ${low}-${high}`);
    if (r.code === 423) return [];
    if (r.code !== 224) throw new NntpError(`OVER ${low}-${high}: ${r.line}`, r.code);
    const body = (await this.multiline()).toString("latin1");
    return body
      .slice(0, -5)
      .split("\r\n")
      .filter((l) => l !== "");
  }

  close(): void {
    if (!this.closed) this.socket.end("QUIT\r\n");
    this.socket.destroy();
  }

  /**
   * AUTHINFO USER, then PASS when asked (381). Throws NntpError for no credentials, refused ones
   * (481), a server that permits no authentication (502) or wants TLS first (483); the message
   * names the user and where the credentials came from, never the password.
   */
  async authenticate(why = "the server asked"): Promise<string> {
    const login = (await this.opts.login?.()) ?? null;
    if (!login) {
      throw new NntpError(
        `the server requires authentication (${why}) and no credentials are configured`,
        480,
      );
    }
    assertArg(login.user, /^[^\s\0]{1,500}$/, "user name");
    assertArg(login.password, /^[^\r\n\0]{0,500}$/, "password");
    const whose = `user ${login.user}${login.source ? ` (from ${login.source})` : ""}`;
    let r = await this.command(`AUTHINFO USER ${login.user}`, false);
    if (r.code === 381) r = await this.command(`AUTHINFO PASS ${login.password}`, false);
    if (r.code === 281) {
      this.authenticatedAs = login.user;
      return login.user;
    }
    const what =
      r.code === 481
        ? `the server refused the credentials of ${whose}`
        : r.code === 502
          ? `the server permits no authentication here (${whose})`
          : r.code === 483
            ? `the server wants an encrypted connection (TLS) before AUTHINFO (${whose})`
            : `AUTHINFO for ${whose} failed`;
    this.close();
    throw new NntpError(`${what}: ${r.line}`, r.code);
  }

  /** One command and its status line; a 480 authenticates (once) and sends it again. */
  private async command(line: string, auth = true): Promise<{ code: number; line: string }> {
    this.socket.write(`${line}\r\n`);
    const r = await this.status();
    if (r.code !== 480 || !auth || this.authenticatedAs !== null) return r;
    await this.authenticate(`${line.split(" ")[0]}: ${r.line}`);
    return this.command(line, false);
  }

  private async status(): Promise<{ code: number; line: string }> {
    const at = await this.until(CRLF, 2048);
    const line = this.buf.toString("latin1", 0, at);
    this.buf = this.buf.subarray(at + 2);
    const m = /^(\d{3})/.exec(line);
    if (!m) throw new NntpError(`not an NNTP response: ${JSON.stringify(line.slice(0, 100))}`);
    return { code: Number(m[1]), line };
  }

  /** The multi-line block after a status line, including its CRLF "." CRLF (an empty block is ".\r\n"). */
  private async multiline(): Promise<Buffer> {
    while (this.buf.length < 3) await this.more();
    if (this.buf.subarray(0, 3).equals(Buffer.from(".\r\n"))) {
      this.buf = this.buf.subarray(3);
      return Buffer.from(".\r\n");
    }
    const at = await this.until(END, this.maxBytes);
    const block = Buffer.from(this.buf.subarray(0, at + END.length));
    this.buf = this.buf.subarray(at + END.length);
    return block;
  }

  private async until(marker: Buffer, limit: number): Promise<number> {
    let from = 0;
    for (;;) {
      const at = this.buf.indexOf(marker, from);
      if (at !== -1 && at <= limit) return at;
      if (at !== -1 || this.buf.length > limit) {
        this.close();
        throw new NntpError(`a response over ${limit} bytes`);
      }
      from = Math.max(0, this.buf.length - marker.length + 1);
      await this.more();
    }
  }

  private more(): Promise<void> {
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.wake = null;
        this.close();
        reject(new NntpError(`no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        if (this.closed) reject(this.closed);
        else resolve();
      };
    });
  }
}

function assertArg(value: string, re: RegExp, what: string): void {
  if (!re.test(value))
    throw new NntpError(`refusing to send a ${what} like ${JSON.stringify(value.slice(0, 60))}`);
}

/**
 * Catch-up's read for any storage method: (group, number) pairs → their articles, one GROUP per
 * group and its ARTICLEs pipelined; null for a number the server does not have (cancelled,
 * expired, never filed). Results in the order asked.
 */
export async function fetchByNumber(
  reader: NntpReader,
  refs: readonly { group: string; number: number }[],
  window = 16,
): Promise<{ group: string; number: number; article: Buffer | null }[]> {
  const byGroup = new Map<string, number[]>();
  for (const r of refs) {
    const list = byGroup.get(r.group);
    if (list) list.push(r.number);
    else byGroup.set(r.group, [r.number]);
  }
  const got = new Map<string, Buffer | null>();
  for (const [group, numbers] of byGroup) {
    const info = await reader.group(group);
    const wanted = info ? numbers.filter((n) => n >= info.low && n <= info.high) : [];
    const articles = await reader.articles(wanted, window);
    wanted.forEach((n, i) => {
      got.set(`${group}\0${n}`, articles[i] ?? null);
    });
  }
  return refs.map((r) => ({ ...r, article: got.get(`${r.group}\0${r.number}`) ?? null }));
}
